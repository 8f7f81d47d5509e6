// The fields an admin edits from the chat (/edit alice comment hi, the card's ✏️ buttons): the
// names they are typed by and how a typed value becomes a ClientEdit.
import type { ClientEdit } from "../core/types.js";
import { parseComment, parseDays, parseEmail, parseFlow, parseLimitIp, parseNonNegativeInt, parseResetDays } from "../service/validate.js";

export const EDIT_KEYS = ["tg", "ip", "comment", "flow", "email", "renew", "start"] as const;
export type EditKey = (typeof EDIT_KEYS)[number];

/** "-" clears a field (no Telegram ID, no comment, no flow). */
const CLEAR = /^(-|none)$/i;

const FIELDS: Record<EditKey, { names: string[]; parse: (text: string) => ClientEdit }> = {
  tg: { names: ["tg", "tgid", "tg-id", "telegram"], parse: (x) => ({ tgId: CLEAR.test(x) ? 0 : parseNonNegativeInt(x, "Telegram ID") }) },
  ip: { names: ["ip", "limit-ip", "limitip", "ips"], parse: (x) => ({ limitIp: parseLimitIp(x, "IP limit") }) },
  comment: { names: ["comment", "note"], parse: (x) => ({ comment: CLEAR.test(x) ? "" : parseComment(x) }) },
  flow: { names: ["flow"], parse: (x) => ({ flow: parseFlow(x) }) },
  email: { names: ["email", "name"], parse: (x) => ({ email: parseEmail(x) }) },
  renew: { names: ["renew", "reset", "reset-days"], parse: (x) => ({ reset: parseResetDays(x, "auto-renew days") }) },
  start: { names: ["start", "start-on-first-use", "delayed"], parse: (x) => ({ delayedStartDays: parseDays(x, "days from first use") }) },
};

/** The field a typed name means (any case), if any. */
export const editKeyOf = (name: string): EditKey | undefined => EDIT_KEYS.find((k) => FIELDS[k].names.includes(name.toLowerCase()));

/** A typed value of field `key` as the change it asks for; a bad value throws bad-input naming the field. */
export const parseEditValue = (key: EditKey, text: string): ClientEdit => FIELDS[key].parse(text.trim());
