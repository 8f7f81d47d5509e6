// `xui-admin stats` as text: the same numbers as /stats and GET /api/stats. With several
// servers: the totals, a line per server, the top across servers, the inbounds per server.
import { gbString } from "../core/units.js";
import type { FleetStats, ServerLine } from "../service/fleet-stats.js";
import { EXPIRING_DAYS, topName, type InboundStats, type ServerStats } from "../service/stats.js";

const gb = (bytes: number | null) => (bytes === null ? "-" : `${gbString(bytes)} GB`);

const clientsText = (c: ServerStats["clients"]) =>
  `${c.total} (active ${c.active}, expiring within ${EXPIRING_DAYS} days ${c.expiring}, expired ${c.expired}, depleted ${c.depleted}, blocked ${c.blocked}, disabled ${c.disabled})`;
const trafficText = (tr: ServerStats["traffic"]) => `today ${gb(tr.today)}, 7 days ${gb(tr.days7)}, 30 days ${gb(tr.days30)}, all time ${gb(tr.allTime)}`;

const serverLine = (l: ServerLine) =>
  "error" in l ? `  ${l.server}\tnot read: ${l.error}` : `  ${l.server}\tclients ${clientsText(l.clients)}; online ${l.online}; traffic ${trafficText(l.traffic)}`;

// A remark may hold a newline: one line per inbound all the same.
const inboundLine = (i: InboundStats) => `  #${i.id}\t${i.protocol}\t:${i.port}\t${i.remark.replace(/\s+/g, " ")}\t${i.clients} clients, ${i.active} active, ${i.online} online, ${gb(i.used)}`;

export function renderStats(s: FleetStats): string {
  const out = [
    `clients: ${clientsText(s.clients)}`,
    `online now: ${s.online}`,
    `traffic: ${trafficText(s.traffic)}`,
    s.historySince === null ? "usage history: none yet (the bot records it while it runs)" : `usage history since ${s.historySince}`,
    ...(s.servers ? ["servers:", ...s.servers.map(serverLine)] : []),
    `top ${s.top.length} by usage:`,
    ...s.top.map((t, i) => `  ${i + 1}. ${topName(t)}\t${gb(t.used)}`),
    "inbounds:",
    // Several servers: each server's inbounds under its name.
    ...s.inbounds.flatMap((i, n) => [...(i.server !== undefined && i.server !== s.inbounds[n - 1]?.server ? [`  ${i.server}:`] : []), inboundLine(i)]),
  ];
  return out.join("\n");
}
