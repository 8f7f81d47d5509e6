// The statistics of every face over the configured servers: one server's as stats.ts computes
// them (unchanged), several servers' as their totals plus a line per server, the top clients
// across servers (each naming its server) and the inbounds of each server in turn. Each server's
// traffic per day comes from its own usage history (historyName).
import { historyName, type UsageSource } from "../core/usage.js";
import type { Client } from "../core/types.js";
import type { ClientService, Scope } from "./client-service.js";
import { refuseUnknownServers } from "./fleet.js";
import { errorText } from "./server-status.js";
import { serverStats, topName, TOP_CLIENTS, type ServerStats } from "./stats.js";

/** One server's figures in the statistics of several; `error` when it could not be read. */
export type ServerLine =
  | ({ server: string } & Pick<ServerStats, "clients" | "online" | "traffic" | "historySince">)
  /** `cause`: the error itself, for a face to say in its own language (not part of the JSON). */
  | { server: string; error: string; readonly cause?: unknown };

export interface FleetStats extends ServerStats {
  /** With several servers configured: each chosen server's line (the totals leave out those in error). */
  servers?: ServerLine[];
}

/** The statistics and the clients they were computed from (for the charts). */
export interface StatsReading {
  stats: FleetStats;
  clients: Client[];
}

const sumOrNull = (values: (number | null)[]): number | null => {
  const known = values.filter((v) => v !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
};

/** The servers' figures added up; the top clients across them; their inbounds one server after another. */
function totals(parts: ServerStats[], now: number): ServerStats {
  const clients = { total: 0, active: 0, expiring: 0, expired: 0, depleted: 0, blocked: 0, disabled: 0 };
  for (const p of parts) for (const key of Object.keys(clients) as (keyof typeof clients)[]) clients[key] += p.clients[key];
  const traffic = (key: "today" | "days7" | "days30") => sumOrNull(parts.map((p) => p.traffic[key]));
  const since = parts.map((p) => p.historySince).filter((d) => d !== null).sort();
  return {
    at: now,
    clients,
    online: parts.reduce((n, p) => n + p.online, 0),
    traffic: { today: traffic("today"), days7: traffic("days7"), days30: traffic("days30"), allTime: parts.reduce((n, p) => n + p.traffic.allTime, 0) },
    historySince: since[0] ?? null,
    // Each server's own top 10 holds every client of the top 10 across them.
    top: parts
      .flatMap((p) => p.top)
      .sort((a, b) => b.used - a.used || topName(a).localeCompare(topName(b)))
      .slice(0, TOP_CLIENTS),
    inbounds: parts.flatMap((p) => p.inbounds),
  };
}

/** The statistics of the servers `scope` names (all when none); one server: exactly stats.ts's. */
export function fleetStats(service: ClientService, usage: UsageSource | undefined, scope: Scope = {}): StatsReading {
  const now = service.now();
  const all = service.serverNames;
  if (all.length === 1) {
    const clients = service.clients(scope);
    return { stats: serverStats(clients, service.inbounds(scope), usage, now, historyName(all, undefined)), clients };
  }
  const names = scope.servers?.length ? scope.servers : all;
  refuseUnknownServers(names, all);
  const lines: ServerLine[] = [];
  const read: StatsReading[] = [];
  for (const server of names) {
    try {
      const clients = service.clients({ servers: [server] });
      const stats = serverStats(clients, service.inbounds({ servers: [server] }), usage, now, historyName(all, server));
      read.push({ stats, clients });
      lines.push({ server, clients: stats.clients, online: stats.online, traffic: stats.traffic, historySince: stats.historySince });
    } catch (error) {
      // A server down leaves the others' figures standing; its line says why.
      lines.push(Object.defineProperty({ server, error: errorText(error) }, "cause", { value: error, enumerable: false }));
    }
  }
  return { stats: { ...totals(read.map((r) => r.stats), now), servers: lines }, clients: read.flatMap((r) => r.clients) };
}
