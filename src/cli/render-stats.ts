// `xui-admin stats` as text: the same numbers as /stats and GET /api/stats.
import { gbString } from "../core/units.js";
import { EXPIRING_DAYS, type ServerStats } from "../service/stats.js";

const gb = (bytes: number | null) => (bytes === null ? "-" : `${gbString(bytes)} GB`);

export function renderStats(s: ServerStats): string {
  const c = s.clients;
  const out = [
    `clients: ${c.total} (active ${c.active}, expiring within ${EXPIRING_DAYS} days ${c.expiring}, expired ${c.expired}, depleted ${c.depleted}, blocked ${c.blocked}, disabled ${c.disabled})`,
    `online now: ${s.online}`,
    `traffic: today ${gb(s.traffic.today)}, 7 days ${gb(s.traffic.days7)}, 30 days ${gb(s.traffic.days30)}, all time ${gb(s.traffic.allTime)}`,
    s.historySince === null ? "usage history: none yet (the bot records it while it runs)" : `usage history since ${s.historySince}`,
    `top ${s.top.length} by usage:`,
    ...s.top.map((t, i) => `  ${i + 1}. ${t.email}\t${gb(t.used)}`),
    "inbounds:",
    // A remark may hold a newline: one line per inbound all the same.
    ...s.inbounds.map((i) => `  #${i.id}\t${i.protocol}\t:${i.port}\t${i.remark.replace(/\s+/g, " ")}\t${i.clients} clients, ${i.active} active, ${i.online} online, ${gb(i.used)}`),
  ];
  return out.join("\n");
}
