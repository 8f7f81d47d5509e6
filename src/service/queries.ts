// The read side: lists with filters and free-text search over the joined view.
import { XuiError } from "../core/errors.js";
import { DAY_MS } from "../core/units.js";
import { isExhausted, isExpired } from "./operations.js";
import type { Client, ClientFilter } from "../core/types.js";

export function matchesFilter(c: Client, filter: ClientFilter, now: number): boolean {
  switch (filter.kind) {
    case "all":
      return true;
    case "expiring":
      return c.expiryTime > now && c.expiryTime <= now + filter.days * DAY_MS;
    case "expired":
      return isExpired(c, now);
    case "depleted":
      return isExhausted(c);
    case "disabled":
      return !c.enabled || !c.active;
    case "inbound":
      return c.inboundId === filter.inboundId;
  }
}

/**
 * Exact hits first (email, key, subId, Telegram ID), then emails, comments and subIds that
 * contain the query; all case-insensitive.
 */
export function searchClients(clients: Client[], query: string): Client[] {
  const q = query.trim().toLowerCase();
  if (q.length === 0) return [];
  const exact: Client[] = [];
  const partial: Client[] = [];
  for (const c of clients) {
    if (
      c.email.toLowerCase() === q ||
      c.key.toLowerCase() === q ||
      c.subId.toLowerCase() === q ||
      (c.tgId !== 0 && String(c.tgId) === q)
    ) {
      exact.push(c);
    } else if (c.email.toLowerCase().includes(q) || c.comment.toLowerCase().includes(q) || c.subId.toLowerCase().includes(q)) {
      partial.push(c);
    }
  }
  return exact.concat(partial);
}

/**
 * A filter as people write it: all, expired, depleted, disabled, expiring [DAYS] (default 3),
 * inbound ID; the argument may follow a space or a colon ("expiring:7", "inbound 2").
 */
export function parseClientFilter(text: string): ClientFilter {
  const [word = "all", arg, extra] = text.trim().toLowerCase().split(/[\s:]+/);
  const bad = () =>
    new XuiError("bad-input", `filter: unknown filter ${JSON.stringify(text)}: use all, expiring [DAYS], expired, depleted, disabled or inbound ID`, ["filter"], undefined, { kind: "unknown-filter", text });
  if (extra !== undefined) throw bad();
  switch (word) {
    case "":
    case "all":
    case "expired":
    case "depleted":
    case "disabled":
      if (arg !== undefined) throw bad();
      return { kind: word === "" ? "all" : word };
    case "expiring":
      if (arg !== undefined && !/^\d{1,5}$/.test(arg)) throw bad();
      return { kind: "expiring", days: arg === undefined ? 3 : Number(arg) };
    case "inbound":
      if (arg === undefined || !/^\d{1,9}$/.test(arg)) throw bad();
      return { kind: "inbound", inboundId: Number(arg) };
    default:
      throw bad();
  }
}
