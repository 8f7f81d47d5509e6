// What a linked user sees of their clients (/start, /me, after opening an invitation): status,
// usage against the limit with a bar, expiry with the days left, and the inbounds' names. Never
// another client, and nothing only admins see (comment, IP limit, flow, auto-renew).
import type { Client } from "../core/types.js";
import { gbString } from "../core/units.js";
import type { BotDeps } from "./context.js";
import { esc } from "./html.js";
import type { Texts } from "./locales/en.js";
import { textReplies, type Reply } from "./operate.js";
import { expiryText, limitText, statusText } from "./render.js";
import { connectionKeyboard } from "./features/connection.js";

const BAR_CELLS = 10;

/** `▰▰▰▱▱▱▱▱▱▱ 30%`: the bar stops at full, the percentage does not (over the limit shows as such). */
export function progressBar(used: number, limit: number): string {
  const share = used / limit;
  const filled = Math.min(BAR_CELLS, Math.round(share * BAR_CELLS));
  return `${"▰".repeat(filled)}${"▱".repeat(BAR_CELLS - filled)} ${Math.floor(share * 100)}%`;
}

/** An inbound's key in the remarks map: its ID alone repeats across servers (inbound 1 on each). */
const inboundKey = (server: string | undefined, id: number) => `${server ?? ""}\u0000${id}`;

export function userCardText(t: Texts, c: Client, now: number, remarks: ReadonlyMap<string, string>): string {
  const used = c.up + c.down;
  const servers = c.inboundIds.map((id) => esc(remarks.get(inboundKey(c.server, id)) || `#${id}`));
  return [
    // With several servers, which one: the same customer often has a client on each.
    `<b>${esc(c.server === undefined ? c.email : `${c.server}/${c.email}`)}</b> — ${statusText(t, c, now)}`,
    `${t.field.used}: ${t.usedOf(t.gb(gbString(used)), limitText(t, c.totalBytes))}`,
    ...(c.totalBytes > 0 ? [progressBar(used, c.totalBytes)] : []),
    `${t.field.expiry}: ${expiryText(t, c.expiryTime, now)}`,
    `${t.link.servers}: ${servers.join(", ")}`,
  ].join("\n");
}

/** The clients linked to Telegram user `userId`, as that user sees them; [] when none is. */
export function userCardReplies(t: Texts, deps: BotDeps, userId: number, heading?: string): Reply[] {
  const own = deps.service.byTelegramId(userId);
  if (own.length === 0) return [];
  const remarks = new Map(deps.service.inbounds().map((i) => [inboundKey(i.server, i.id), i.remark]));
  const now = deps.service.now();
  const cards = own.map((c) => userCardText(t, c, now, remarks));
  // Under the cards: each client's "Connection" button (subscription URL, share links, QR codes).
  return textReplies([...(heading ? [heading] : []), t.selfHeader(own.length), ...cards].join("\n\n"), connectionKeyboard(t, own));
}
