// Who gets an announcement: the Telegram users linked to the clients a filter picks (all, an
// inbound, expiring within N days, expired), each once however many clients they have.
// (Several servers: a `server` filter is added here when the service knows more than one.)
import type { Client, ClientFilter } from "../core/types.js";
import { matchesFilter } from "./queries.js";

export function linkedUsers(clients: Client[], filter: ClientFilter, now: number): number[] {
  return [...new Set(clients.filter((c) => c.tgId > 0 && matchesFilter(c, filter, now)).map((c) => c.tgId))];
}
