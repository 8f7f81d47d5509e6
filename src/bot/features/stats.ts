// /stats: how the server is doing, as text (the service's numbers) and two charts; and a
// client's traffic per day as a chart, from the "Usage chart" button of its card.
import { Composer, InputFile, InputMediaBuilder } from "grammy";
import { gbString } from "../../core/units.js";
import { LOCAL_SERVER } from "../../core/usage.js";
import type { Client } from "../../core/types.js";
import { clientDailyUsage, EXPIRING_DAYS, expiringPerDay, serverStats, type ServerStats } from "../../service/stats.js";
import { clientUsageChart, expiringChart, topClientsChart } from "../charts/stats-charts.js";
import type { BotContext, BotDeps } from "../context.js";
import { esc, splitMessage } from "../html.js";
import type { Texts } from "../locales/en.js";
import { sendReplies } from "../operate.js";

/** Days the expiry and usage charts cover. */
export const CHART_DAYS = 30;

const bytes = (t: Texts, n: number | null) => (n === null ? t.stats.unknown : t.gb(gbString(n)));

export function statsText(t: Texts, s: ServerStats, sampleMinutes: number): string {
  const c = s.clients;
  const lines = [t.stats.title, "", t.stats.clients(c.total)];
  for (const status of ["active", "expired", "depleted", "blocked", "disabled"] as const) {
    lines.push(`  ${t.status[status]}: ${c[status]}`);
    if (status === "active" && c.expiring > 0) lines.push(`    ${t.stats.expiring(c.expiring, EXPIRING_DAYS)}`);
  }
  lines.push(t.stats.online(s.online), "", t.stats.traffic);
  const tr = s.traffic;
  lines.push(`  ${t.stats.today}: ${bytes(t, tr.today)} · ${t.stats.days(7)}: ${bytes(t, tr.days7)} · ${t.stats.days(30)}: ${bytes(t, tr.days30)}`);
  lines.push(`  ${t.stats.allTime}: ${bytes(t, tr.allTime)}`);
  lines.push(`  ${s.historySince === null ? t.stats.noHistory(sampleMinutes) : t.stats.historySince(s.historySince)}`);
  lines.push("", t.stats.top(s.top.length || 10));
  if (s.top.length === 0) lines.push(`  ${t.stats.topEmpty}`);
  s.top.forEach((x, i) => lines.push(`${i + 1}. ${esc(x.email)} — ${bytes(t, x.used)}`));
  lines.push("", t.stats.inbounds);
  for (const i of s.inbounds) {
    const remark = esc(i.remark.replace(/\s+/g, " ").trim());
    lines.push(t.stats.inboundLine(i.id, remark, esc(i.protocol), i.port, i.clients, i.active, i.online, bytes(t, i.used)));
  }
  return lines.join("\n");
}

/** The client's daily usage as a photo, with its total as the caption. */
export async function sendUsageChart(ctx: BotContext, deps: BotDeps, client: Client): Promise<void> {
  const t = ctx.t;
  const days = clientDailyUsage(deps.usage, LOCAL_SERVER, client.email, deps.service.now(), CHART_DAYS);
  const total = days.reduce((sum, d) => sum + d.up + d.down, 0);
  await ctx.replyWithPhoto(new InputFile(clientUsageChart(t, client.email, days), "usage.png"), {
    caption: t.stats.usageCaption(esc(client.email), bytes(t, total), CHART_DAYS),
    parse_mode: "HTML",
  });
}

export function statsCommand(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.filter((ctx) => ctx.isAdmin).command("stats", async (ctx) => {
    const t = ctx.t;
    const now = deps.service.now();
    const clients = deps.service.clients();
    const stats = serverStats(clients, deps.service.inbounds(), deps.usage, now, LOCAL_SERVER);
    await sendReplies(ctx, splitMessage(statsText(t, stats, deps.config.usage.sampleMin)).map((text) => ({ text })));
    await ctx.replyWithChatAction("upload_photo");
    await ctx.replyWithMediaGroup([
      InputMediaBuilder.photo(new InputFile(topClientsChart(t, stats.top), "top-clients.png")),
      InputMediaBuilder.photo(new InputFile(expiringChart(t, expiringPerDay(clients, now, CHART_DAYS)), "expiring.png")),
    ]);
  });
  return composer;
}
