// The admin commands. With their arguments they act at once (one client) or preview (several);
// without them they start a conversation that asks for what is missing.
import { Composer } from "grammy";
import { XuiError } from "../../core/errors.js";
import { splitRefs } from "../../service/select.js";
import type { Operation } from "../../core/types.js";
import { parseDayDelta, parseExpiryDate, parseGb } from "../../service/validate.js";
import { version } from "../../core/version.js";
import type { BotContext, BotDeps } from "../context.js";
import type { OpKind } from "../conversations/operation.js";
import { editReplies } from "../conversations/edit.js";
import { editKeyOf, parseEditValue } from "../edit-fields.js";
import { errorText } from "../error-text.js";
import { operate, sendReplies } from "../operate.js";

/** What a one-shot command's arguments say: the clients and, when given, the operation. */
interface Parsed {
  refs: string[];
  op: Operation | null;
}

const NUMBER = /^[+-]?\d+([.,]\d+)?$/;
const isNumber = (s: string | undefined) => s !== undefined && NUMBER.test(s);

/**
 * The references and the last word. A number after the last space is taken whole before the
 * references are split on commas: `/limit alice 1,5` is 1.5 GB for alice, not 5 GB for
 * "alice" and "1". Otherwise commas separate too: `/extend alice,bob,30`.
 */
function splitLast(text: string): { words: string[]; head: string[]; last: string | undefined } {
  const end = /(?:^|\s)(\S+)\s*$/u.exec(text);
  if (end && isNumber(end[1])) {
    const head = splitRefs(text.slice(0, end.index));
    return { words: [...head, end[1] as string], head, last: end[1] };
  }
  const words = splitRefs(text);
  return { words, head: words.slice(0, -1), last: words.at(-1) };
}

/**
 * A last word that starts like a number or a date but is not one (`/limit alice 1e3`,
 * `/expiry alice 2027-13-01`) and names no client: the value, mistyped. Parsing it says why,
 * instead of taking it for a client and asking for the value again.
 */
const MISTYPED_VALUE = /^[+-]?[\d.,]/;
const mistyped = (word: string | undefined, isClient: (ref: string) => boolean): word is string =>
  word !== undefined && MISTYPED_VALUE.test(word) && !isClient(word);

/** "days" after a number of days, in either language: `/extend alice 5 days`. */
const DAYS_WORD = /^(days?|d|дн(ей|я)?|день)$/iu;

/**
 * The days of `/extend` and the clients, the number anywhere: `/extend alice bob 30`,
 * `/extend alice 5 days`, `/extend 30 alice`. A number that ends the text, or is followed by
 * "days", is the value; else a number that starts it. A lone reference is never a value.
 */
function parseExtend(text: string, isClient: (ref: string) => boolean): Parsed {
  const words = splitRefs(text);
  let at = words.findIndex((w, i) => isNumber(w) && DAYS_WORD.test(words[i + 1] ?? ""));
  if (at < 0) at = isNumber(words.at(-1)) ? words.length - 1 : isNumber(words[0]) ? 0 : -1;
  if (at < 0 && words.length > 1 && mistyped(words.at(-1), isClient)) parseDayDelta(words.at(-1), "days");
  if (at < 0 || words.length < 2) return { refs: words, op: null };
  const refs = words.filter((_, i) => i !== at && !(i === at + 1 && DAYS_WORD.test(words[i] as string)));
  return refs.length > 0 ? { refs, op: { kind: "extend", days: parseDayDelta(words[at], "days") } } : { refs: words, op: null };
}

/**
 * The value comes last: `/extend alice bob 30`, `/limit alice 50`, `/expiry alice never`.
 * `isClient` tells a client named like a number ("1-2") from a mistyped value.
 */
export function parseOneShot(kind: OpKind, text: string, isClient: (ref: string) => boolean = () => false): Parsed {
  if (kind === "block" || kind === "unblock" || kind === "delete") {
    const refs = splitRefs(text);
    return { refs, op: refs.length > 0 ? { kind } : null };
  }
  const { words, head, last } = splitLast(text);
  if (kind !== "extend" && head.length > 0 && !isNumber(last) && mistyped(last, isClient)) {
    if (kind === "expiry") parseExpiryDate(last, "date");
    else parseGb(last, "GB");
  }
  switch (kind) {
    case "extend":
      return parseExtend(text, isClient);
    case "limit":
      return isNumber(last) && head.length > 0 ? { refs: head, op: { kind, totalBytes: parseGb(last, "GB") } } : { refs: words, op: null };
    case "expiry":
      return last !== undefined && head.length > 0 && /^(\d{4}-\d{2}-\d{2}|never|0)$/i.test(last)
        ? { refs: head, op: { kind, expiryTime: parseExpiryDate(last, "date") } }
        : { refs: words, op: null };
    case "reset":
      if (isNumber(last) && head.length > 0) return { refs: head, op: { kind, totalBytes: parseGb(last, "GB") } };
      return { refs: words, op: words.length > 0 ? { kind } : null };
  }
}

const KINDS: OpKind[] = ["extend", "expiry", "limit", "reset", "block", "unblock", "delete"];

export function adminCommands(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admin = composer.filter((ctx) => ctx.isAdmin);
  // The version closes an admin's help: what to name when reporting a problem.
  admin.command(["start", "help"], (ctx) => ctx.reply(`${ctx.t.help}\n\n<i>xui-admin-bot ${version()}</i>`, { parse_mode: "HTML" }));
  admin.command("create", (ctx) => ctx.conversation.enter("create"));
  // /edit alice comment paid until May: the reference, the field, then the value (the rest).
  admin.command("edit", async (ctx) => {
    const [, ref, name, value] = /^(\S+)\s+(\S+)(?:\s+([\s\S]+))?$/u.exec(ctx.match.trim()) ?? [];
    const key = name === undefined ? undefined : editKeyOf(name);
    if (ref === undefined || key === undefined) return void (await ctx.reply(ctx.t.editUsage, { parse_mode: "HTML" }));
    if (value === undefined) return ctx.conversation.enter("edit", ref, key);
    try {
      const changes = parseEditValue(key, value);
      await sendReplies(ctx, await editReplies(ctx.t, deps, ref, changes, ctx.from?.id ?? 0));
    } catch (error) {
      if (!(error instanceof XuiError)) throw error;
      await ctx.reply(ctx.t.error(errorText(ctx.t, error)), { parse_mode: "HTML" });
    }
  });
  for (const kind of KINDS) {
    admin.command(kind, async (ctx) => {
      let parsed: Parsed;
      try {
        parsed = parseOneShot(kind, ctx.match, (ref) => deps.service.get(ref) !== undefined);
      } catch (error) {
        if (!(error instanceof XuiError)) throw error;
        await ctx.reply(ctx.t.error(errorText(ctx.t, error)), { parse_mode: "HTML" });
        return;
      }
      if (parsed.op) await operate(ctx, deps, parsed.op, parsed.refs);
      else await ctx.conversation.enter("operation", kind, parsed.refs.length > 0 ? parsed.refs : null);
    });
  }
  return composer;
}
