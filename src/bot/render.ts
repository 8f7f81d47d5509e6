// Texts for people, from the service's data: diffs, client cards, list lines. HTML, escaped.
import { clientStatus } from "../service/status.js";
import { EDIT_FIELDS, type Client, type ClientDiff, type ClientState, type EditField, type FieldChange } from "../core/types.js";
import { daysLeft, delayedDays, gbString, lastValidDay, timeString } from "../core/units.js";
import { esc } from "./html.js";
import type { Texts } from "./locales/en.js";

export function expiryText(t: Texts, ms: number, now: number): string {
  if (ms === 0) return t.never;
  if (ms < 0) return t.delayed(delayedDays(ms));
  // A date the admin typed reads back as typed ("through 2027-01-31"), not as the midnight after it.
  const day = lastValidDay(ms);
  return `${day ? t.through(day) : timeString(ms)} (${t.daysLeft(daysLeft(ms, now))})`;
}

export const limitText = (t: Texts, bytes: number) => (bytes === 0 ? t.unlimited : t.gb(gbString(bytes)));

export const statusText = (t: Texts, c: Client, now: number): string => t.status[clientStatus(c, now)];

const FIELDS: [string, (s: ClientState) => unknown, (t: Texts, s: ClientState, now: number) => string][] = [
  ["enabled", (s) => s.enabled, (t, s) => (s.enabled ? t.yes : t.no)],
  ["active", (s) => s.active, (t, s) => (s.active ? t.yes : t.no)],
  ["expiry", (s) => s.expiryTime, (t, s, now) => expiryText(t, s.expiryTime, now)],
  ["limit", (s) => s.totalBytes, (t, s) => limitText(t, s.totalBytes)],
  ["reset", (s) => s.reset, (t, s) => t.renew(s.reset)],
  ["used", (s) => s.up + s.down, (t, s) => t.gb(gbString(s.up + s.down))],
];

/** A client's own field as stored; "", 0 and a missing key read as none (an IP limit of 0: unlimited). */
function ownValue(t: Texts, f: EditField, change: FieldChange, side: "before" | "after"): string {
  const v = change[side];
  if (side in change && v !== "" && v !== null && v !== 0) return esc(typeof v === "string" ? v : JSON.stringify(v));
  return f === "limitIp" ? t.unlimited : t.none;
}

/** A client's name as shown: `nl/alice` when several servers are configured (the fleet then sets the server). */
export const nameOf = (c: { email: string; server?: string }): string => esc(c.server === undefined ? c.email : `${c.server}/${c.email}`);

/** One client's change: changed fields only, then the notes. */
export function diffText(t: Texts, d: ClientDiff, now: number): string {
  const lines = [`<b>${nameOf(d)}</b> (${t.inbound} ${d.inboundId})${d.before ? "" : `: ${t.created}`}`];
  for (const [key, pick, show] of FIELDS) {
    if (d.before ? pick(d.before) === pick(d.after) : key === "reset" && d.after.reset === 0) continue;
    const label = t.field[key as keyof Texts["field"]];
    lines.push(`  ${label}: ${d.before ? `${show(t, d.before, now)} → ` : ""}${show(t, d.after, now)}`);
  }
  for (const f of EDIT_FIELDS) {
    const change = d.fields?.[f];
    if (change) lines.push(`  ${t.field[f]}: ${ownValue(t, f, change, "before")} → ${ownValue(t, f, change, "after")}`);
  }
  const notes = d.notes.filter((n) => n !== "no-change").map((n) => t.note[n]);
  if (notes.length > 0) lines.push(`  ⓘ ${notes.join("; ")}`);
  return lines.join("\n");
}

/** A client card: everything an admin wants at a glance (a linked user's is user-card.ts). */
export function cardText(t: Texts, c: Client, now: number): string {
  return [
    `<b>${nameOf(c)}</b> — ${statusText(t, c, now)}`,
    `${t.field.used}: ${t.usedOf(t.gb(gbString(c.up + c.down)), limitText(t, c.totalBytes))}`,
    `${t.field.expiry}: ${expiryText(t, c.expiryTime, now)}`,
    `${t.inbound}: ${c.inboundId} ${esc(c.inboundRemark)} (${esc(c.protocol)})${c.inboundIds.length > 1 ? ` + ${c.inboundIds.slice(1).join(", ")}` : ""}`,
    ...(c.tgId ? [`${t.telegram}: <code>${c.tgId}</code>`] : []),
    ...(c.limitIp ? [`${t.field.limitIp}: ${c.limitIp}`] : []),
    ...(c.flow ? [`${t.field.flow}: ${esc(c.flow)}`] : []),
    ...(c.reset ? [`${t.field.reset}: ${t.renew(c.reset)}`] : []),
    ...(c.comment ? [`💬 ${esc(c.comment)}`] : []),
  ].join("\n");
}

export function listLine(t: Texts, c: Client, now: number, index: number): string {
  const used = t.gb(`${gbString(c.up + c.down)}/${c.totalBytes === 0 ? "∞" : gbString(c.totalBytes)}`);
  return `${index}. <b>${nameOf(c)}</b> ${statusText(t, c, now)} · ${used} · ${expiryText(t, c.expiryTime, now)}`;
}
