// Getting around a long list (2301 clients are 231 pages): first/last, the page number, and
// jumps by status (each press: the next page holding one) or by first letter (lists are in
// name order). Every page has the same control buttons in the same places, so that a button's
// position, the number the playground shows, does not shift between pages.
import type { InlineKeyboard } from "grammy";
import { clientStatus, type ClientStatus } from "../../service/status.js";
import type { Client } from "../../core/types.js";
import { encode } from "../callback-data.js";
import type { Texts } from "../locales/en.js";

/** Letter buttons on one row at most: beyond that, a spread of them across the list. */
const LETTERS = 8;

const STATUSES: ClientStatus[] = ["active", "expired", "depleted", "blocked", "disabled"];

/** A list's name order: case and accents aside, numbers by value (user2 before user10). */
export const byName = new Intl.Collator(undefined, { sensitivity: "base", numeric: true }).compare;

const letterOf = (email: string) => (Array.from(email)[0] ?? "").toLocaleUpperCase();

/** Rows of navigation for page `page` of `pages`: ⏮ ◀️ n/N ▶️ ⏭, then status and letter jumps. */
export function addJumpRows(t: Texts, keyboard: InlineKeyboard, selId: string, page: number, pages: number, statuses: ClientStatus[], emails: string[]): void {
  const go = (label: string, target: number) =>
    keyboard.text(target === page ? "·" : label, encode(target === page ? { kind: "noop", selId } : { kind: "page", selId, page: target }));
  go(t.first, 0);
  go(t.prev, Math.max(0, page - 1));
  keyboard.text(`${page + 1}/${pages}`, encode({ kind: "noop", selId }));
  go(t.next, Math.min(pages - 1, page + 1));
  go(t.last, pages - 1).row();
  const counts = new Map<ClientStatus, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  for (const s of STATUSES) {
    const n = counts.get(s);
    if (n) keyboard.text(`${t.statusIcon[s]} ${n}`, encode({ kind: "jump", selId, by: "status", value: s }));
  }
  keyboard.row();
  // Telegram refuses a button without text: an email starting with a space has no letter.
  const letters = [...new Set(emails.map(letterOf))].filter((l) => l.trim() !== "" && Buffer.byteLength(l) <= 16);
  const step = Math.ceil(letters.length / LETTERS);
  for (const l of letters.filter((_, i) => i % step === 0)) keyboard.text(l, encode({ kind: "jump", selId, by: "letter", value: l }));
  keyboard.row();
}

/** The statuses of a list's clients, in its order (a client gone since counts as none). */
export function statusesOf(emails: string[], byEmail: Map<string, Client>, now: number): ClientStatus[] {
  return emails.flatMap((e) => {
    const c = byEmail.get(e);
    return c ? [clientStatus(c, now)] : [];
  });
}

/**
 * The index a jump lands on: for a status, the first client with it after the page the admin
 * is on (from the top again past the end); for a letter, the first client starting with it.
 */
export function jumpIndex(by: "status" | "letter", value: string, from: number, emails: string[], statusOf: (email: string) => ClientStatus | undefined): number | undefined {
  if (by === "letter") {
    const at = emails.findIndex((e) => letterOf(e) === value);
    return at < 0 ? undefined : at;
  }
  const first = from < emails.length ? from : 0;
  for (let k = 0; k < emails.length; k++) {
    const i = (first + k) % emails.length;
    if (statusOf(emails[i] as string) === value) return i;
  }
  return undefined;
}
