// The read side: lists with filters and free-text search over the joined view.
import { DAY_MS, isExhausted, isExpired } from "./operations.js";
import type { Client, ClientFilter } from "./types.js";

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
