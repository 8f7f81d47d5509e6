// How the server is doing, computed once for every face (/stats, `xui-admin stats`,
// GET /api/stats) from the clients as read now and the usage history. The field names are the
// JSON answer's contract.
import { DAY_MS } from "../core/units.js";
import { dayKeyAfter, lastDays, type DayUsage, type UsageSource } from "../core/usage.js";
import type { Client, InboundInfo } from "../core/types.js";
import { clientStatus, type ClientStatus } from "./status.js";

/** A client whose last_online is this recent is online: the panel stamps it every 10 s of traffic. */
export const ONLINE_WINDOW_MS = 3 * 60_000;
/** "Expiring" in the summary: within this many days. */
export const EXPIRING_DAYS = 3;
export const TOP_CLIENTS = 10;

export interface TopClient {
  /** With several servers: the client's server (the bot and the CLI name it `server/email`). */
  server?: string;
  email: string;
  inboundId: number;
  up: number;
  down: number;
  /** up + down: what the panel shows as used (since the last reset). */
  used: number;
}

export interface InboundStats {
  /** With several servers: the inbound's server. */
  server?: string;
  id: number;
  remark: string;
  protocol: string;
  port: number;
  enable: boolean;
  clients: number;
  active: number;
  online: number;
  /** Its clients' up + down, bytes. */
  used: number;
}

export interface ServerStats {
  at: number;
  clients: Record<ClientStatus, number> & { total: number; /** active, and ending within EXPIRING_DAYS */ expiring: number };
  /** Clients seen within ONLINE_WINDOW_MS. */
  online: number;
  /** Bytes. today, days7, days30 come from the usage history (null before its first sample). */
  traffic: { today: number | null; days7: number | null; days30: number | null; allTime: number };
  /** The first day the usage history covers (YYYY-MM-DD), or null. */
  historySince: string | null;
  top: TopClient[];
  inbounds: InboundStats[];
}

/** `{ server }` for what a fleet of several servers tagged with it; nothing with one server. */
const serverOf = (x: { server?: string }) => (x.server === undefined ? {} : { server: x.server });

const isOnline = (c: Client, now: number) => c.lastOnline > now - ONLINE_WINDOW_MS && c.lastOnline <= now + ONLINE_WINDOW_MS;
const used = (c: Pick<Client, "up" | "down">) => c.up + c.down;

/** The history's traffic of every client over the `days` days ending today. */
function trafficOver(usage: UsageSource, server: string, now: number, days: number): number {
  let sum = 0;
  for (const t of usage.totalsSince(server, dayKeyAfter(now, 1 - days)).values()) sum += t.up + t.down;
  return sum;
}

/** How statistics name a client: `server/email` with several servers, the email with one. */
export const topName = (c: Pick<TopClient, "server" | "email">): string => (c.server === undefined ? c.email : `${c.server}/${c.email}`);

/**
 * Clients appear once each, even where one email stands in two inbounds (2.x drift); the same
 * email on two servers is two clients.
 */
function distinct(clients: Client[]): Client[] {
  const seen = new Set<string>();
  return clients.filter((c) => !seen.has(topName(c)) && Boolean(seen.add(topName(c))));
}

export function serverStats(all: Client[], inbounds: InboundInfo[], usage: UsageSource | undefined, now: number, server: string): ServerStats {
  const clients = distinct(all);
  const counts: ServerStats["clients"] = { total: clients.length, active: 0, expiring: 0, expired: 0, depleted: 0, blocked: 0, disabled: 0 };
  const byInbound = new Map<number, InboundStats>(
    inbounds.map((i) => [i.id, { ...serverOf(i), id: i.id, remark: i.remark, protocol: i.protocol, port: i.port, enable: i.enable, clients: 0, active: 0, online: 0, used: 0 }]),
  );
  let online = 0;
  let allTime = 0;
  for (const c of clients) {
    const status = clientStatus(c, now);
    counts[status]++;
    if (status === "active" && c.expiryTime > now && c.expiryTime <= now + EXPIRING_DAYS * DAY_MS) counts.expiring++;
    const on = isOnline(c, now);
    if (on) online++;
    // all_time survives resets (2.x); where it is missing or behind (3.x has none), the counters.
    allTime += Math.max(c.allTime, used(c));
    // On 3.x a client on several inbounds counts in each of them.
    for (const id of c.inboundIds) {
      const s = byInbound.get(id);
      if (!s) continue;
      s.clients++;
      if (status === "active") s.active++;
      if (on) s.online++;
      s.used += used(c);
    }
  }
  const since = usage?.firstDay(server);
  const over = (days: number) => (usage && since !== undefined ? trafficOver(usage, server, now, days) : null);
  const top = clients
    .filter((c) => used(c) > 0)
    .sort((a, b) => used(b) - used(a) || a.email.localeCompare(b.email))
    .slice(0, TOP_CLIENTS)
    .map((c) => ({ ...serverOf(c), email: c.email, inboundId: c.inboundId, up: c.up, down: c.down, used: used(c) }));
  return {
    at: now,
    clients: counts,
    online,
    traffic: { today: over(1), days7: over(7), days30: over(30), allTime },
    historySince: since ?? null,
    top,
    inbounds: [...byInbound.values()],
  };
}

/** How many clients (not blocked) expire on each of the `days` days from today on. */
export function expiringPerDay(all: Client[], now: number, days = 30): { day: string; count: number }[] {
  const out = Array.from({ length: days }, (_, i) => ({ day: dayKeyAfter(now, i), count: 0 }));
  const index = new Map(out.map((d, i) => [d.day, i]));
  for (const c of distinct(all)) {
    if (!c.enabled || c.expiryTime <= now) continue;
    const i = index.get(dayKeyAfter(c.expiryTime, 0));
    if (i !== undefined) (out[i] as { count: number }).count++;
  }
  return out;
}

/** A client's traffic on each of the `days` days ending today, days without traffic as zero. */
export function clientDailyUsage(usage: UsageSource | undefined, server: string, email: string, now: number, days = 30): DayUsage[] {
  const range = lastDays(now, days);
  const had = new Map((usage?.daily(server, email, range[0] as string) ?? []).map((d) => [d.day, d]));
  return range.map((day) => had.get(day) ?? { day, up: 0, down: 0 });
}
