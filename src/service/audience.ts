// Who gets an announcement: the Telegram users linked to the clients a filter picks (all, an
// inbound, expiring within N days, expired), each once however many clients they have. With
// several servers, `server NAME` first narrows it to one server's clients, alone or before
// another filter (`server nl`, `server nl inbound 2`: inbound IDs repeat across servers).
import { XuiError } from "../core/errors.js";
import type { ClientFilter } from "../core/types.js";
import type { ClientService, Scope } from "./client-service.js";
import { matchesFilter, parseClientFilter } from "./queries.js";

export interface Audience {
  filter: ClientFilter;
  /** The servers it is narrowed to; absent: every server. */
  scope: Scope;
}

const SERVER = /^\s*server\b(?:[\s:]+(\S+))?\s*(.*)$/is;

/** The recipients as an admin writes them: `[server NAME] [FILTER]`; the server name as configured (any case). */
export function parseAudience(text: string, serverNames: string[]): Audience {
  const m = SERVER.exec(text);
  if (!m) return { filter: parseClientFilter(text), scope: {} };
  const [, asked = "", rest = ""] = m;
  const server = serverNames.find((n) => n.toLowerCase() === asked.toLowerCase());
  if (server === undefined) throw new XuiError("bad-input", `unknown server ${JSON.stringify(asked)} (servers: ${serverNames.join(", ")})`, [asked], undefined, { kind: "unknown-servers", names: [asked], configured: serverNames });
  return { filter: parseClientFilter(rest), scope: { servers: [server] } };
}

export function linkedUsers(service: ClientService, audience: Audience): number[] {
  const now = service.now();
  const picked = service.clients(audience.scope).filter((c) => c.tgId > 0 && matchesFilter(c, audience.filter, now));
  return [...new Set(picked.map((c) => c.tgId))];
}
