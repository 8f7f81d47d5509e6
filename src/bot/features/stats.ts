// /stats: how the server is doing, as text (the service's numbers) and two charts; and a
// client's traffic per day as a chart, from the "Usage chart" button of its card. With several
// servers: the totals, a line per server, the top across servers, the inbounds per server;
// `/stats nl` (or `/stats server:nl`, as /list takes it) the same for the servers named.
import { Composer, InputFile, InputMediaBuilder } from "grammy";
import { gbString } from "../../core/units.js";
import { historyName } from "../../core/usage.js";
import type { Client } from "../../core/types.js";
import { fleetStats, type FleetStats, type ServerLine, type StatsReading } from "../../service/fleet-stats.js";
import { clientDailyUsage, EXPIRING_DAYS, expiringPerDay, topName, type ServerStats } from "../../service/stats.js";
import { clientUsageChart, expiringChart, topClientsChart } from "../charts/stats-charts.js";
import type { BotContext, BotDeps } from "../context.js";
import { reasonText } from "../error-text.js";
import { esc, splitMessage } from "../html.js";
import type { Texts } from "../locales/en.js";
import { errorReplies, sendReplies } from "../operate.js";
import { serverScope } from "../server-scope.js";

/** Days the expiry and usage charts cover. */
export const CHART_DAYS = 30;

const bytes = (t: Texts, n: number | null) => (n === null ? t.stats.unknown : t.gb(gbString(n)));

const STATUSES = ["active", "expired", "depleted", "blocked", "disabled"] as const;

const trafficLine = (t: Texts, tr: ServerStats["traffic"]) =>
  `${t.stats.today}: ${bytes(t, tr.today)} · ${t.stats.days(7)}: ${bytes(t, tr.days7)} · ${t.stats.days(30)}: ${bytes(t, tr.days30)}`;

/** A server's two lines: its clients and online, then its statuses (those it has) and traffic. */
function serverLines(t: Texts, line: ServerLine): string[] {
  if ("error" in line) return [t.stats.serverDown(esc(line.server), line.cause === undefined ? esc(line.error) : reasonText(t, line.cause))];
  const statuses = STATUSES.filter((s) => line.clients[s] > 0).map((s) => `${t.status[s]}: ${line.clients[s]}`);
  return [
    t.stats.serverLine(esc(line.server), line.clients.total, line.online),
    ...(statuses.length > 0 ? [`  ${statuses.join(" · ")}`] : []),
    `  ${trafficLine(t, line.traffic)} · ${t.stats.allTime}: ${bytes(t, line.traffic.allTime)}`,
  ];
}

export function statsText(t: Texts, s: FleetStats, sampleMinutes: number): string {
  const c = s.clients;
  const lines = [t.stats.title, "", t.stats.clients(c.total)];
  for (const status of STATUSES) {
    lines.push(`  ${t.status[status]}: ${c[status]}`);
    if (status === "active" && c.expiring > 0) lines.push(`    ${t.stats.expiring(c.expiring, EXPIRING_DAYS)}`);
  }
  lines.push(t.stats.online(s.online), "", t.stats.traffic);
  const tr = s.traffic;
  lines.push(`  ${trafficLine(t, tr)}`);
  lines.push(`  ${t.stats.allTime}: ${bytes(t, tr.allTime)}`);
  lines.push(`  ${s.historySince === null ? t.stats.noHistory(sampleMinutes) : t.stats.historySince(s.historySince)}`);
  if (s.servers) lines.push("", t.stats.byServer, ...s.servers.flatMap((line) => serverLines(t, line)));
  lines.push("", t.stats.top(s.top.length || 10));
  if (s.top.length === 0) lines.push(`  ${t.stats.topEmpty}`);
  s.top.forEach((x, i) => lines.push(`${i + 1}. ${esc(topName(x))} — ${bytes(t, x.used)}`));
  lines.push("", t.stats.inbounds);
  s.inbounds.forEach((i, n) => {
    // Several servers: each server's inbounds under its name.
    if (i.server !== undefined && i.server !== s.inbounds[n - 1]?.server) lines.push(`<b>${esc(i.server)}</b>`);
    const remark = esc(i.remark.replace(/\s+/g, " ").trim());
    lines.push(t.stats.inboundLine(i.id, remark, esc(i.protocol), i.port, i.clients, i.active, i.online, bytes(t, i.used)));
  });
  return lines.join("\n");
}

/** The client's daily usage as a photo, with its total as the caption. */
export async function sendUsageChart(ctx: BotContext, deps: BotDeps, client: Client): Promise<void> {
  const t = ctx.t;
  // The client's own server's history: the same email on another server is another client.
  const days = clientDailyUsage(deps.usage, historyName(deps.service.serverNames, client.server), client.email, deps.service.now(), CHART_DAYS);
  const total = days.reduce((sum, d) => sum + d.up + d.down, 0);
  const name = deps.service.refOf(client);
  await ctx.replyWithPhoto(new InputFile(clientUsageChart(t, name, days), "usage.png"), {
    caption: t.stats.usageCaption(esc(name), bytes(t, total), CHART_DAYS),
    parse_mode: "HTML",
  });
}

export function statsCommand(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.filter((ctx) => ctx.isAdmin).command("stats", async (ctx) => {
    const t = ctx.t;
    const now = deps.service.now();
    // Bare words name servers too: /stats nl de. An unknown name is refused, naming the servers.
    const { scope, rest } = serverScope(ctx.match);
    const servers = [...(scope.servers ?? []), ...rest.split(/\s+/).filter((w) => w !== "").map((w) => w.toLowerCase())];
    let reading: StatsReading;
    try {
      reading = fleetStats(deps.service, deps.usage, servers.length > 0 ? { servers } : {});
    } catch (error) {
      await sendReplies(ctx, errorReplies(t, error, deps, true));
      return;
    }
    const { stats, clients } = reading;
    await sendReplies(ctx, splitMessage(statsText(t, stats, deps.config.usage.sampleMin)).map((text) => ({ text })));
    await ctx.replyWithChatAction("upload_photo");
    await ctx.replyWithMediaGroup([
      InputMediaBuilder.photo(new InputFile(topClientsChart(t, stats.top), "top-clients.png")),
      InputMediaBuilder.photo(new InputFile(expiringChart(t, expiringPerDay(clients, now, CHART_DAYS)), "expiring.png")),
    ]);
  });
  return composer;
}
