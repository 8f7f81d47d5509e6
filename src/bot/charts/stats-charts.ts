// The bot's three charts, from the service's numbers: the top clients' usage, clients expiring
// per day ahead, and one client's traffic per day. Values are drawn in GB (the panel's unit).
import { GB } from "../../core/units.js";
import type { DayUsage } from "../../core/usage.js";
import { topName, type TopClient } from "../../service/stats.js";
import type { Texts } from "../locales/en.js";
import { svgToPng } from "./png.js";
import { columns, horizontalBars } from "./svg.js";

/** A GB amount with three significant digits at most ("0.0123", "1.5", "1230"). */
export const gbShort = (t: Texts, gb: number): string => t.gb(String(Number(gb.toPrecision(3))));

/** "07" for the 7th: the day of the month is all a 30-day axis has room for. */
const dayOfMonth = (day: string) => day.slice(8, 10);

export function topClientsChart(t: Texts, top: TopClient[]): Buffer {
  const bars = top.map((c) => ({ label: topName(c), value: c.used / GB }));
  return svgToPng(horizontalBars({ title: t.stats.chartTop, bars, format: (v) => gbShort(t, v), empty: t.stats.chartEmpty }));
}

export function expiringChart(t: Texts, perDay: { day: string; count: number }[]): Buffer {
  const bars = perDay.map((d) => ({ label: dayOfMonth(d.day), value: d.count }));
  return svgToPng(columns({ title: t.stats.chartExpiring(perDay.length), bars, format: (v) => String(Number(v.toPrecision(3))), empty: t.stats.chartEmpty }));
}

export function clientUsageChart(t: Texts, email: string, days: DayUsage[]): Buffer {
  const bars = days.map((d) => ({ label: dayOfMonth(d.day), value: (d.up + d.down) / GB }));
  return svgToPng(columns({ title: t.stats.chartUsage(email, days.length), bars, format: (v) => gbShort(t, v), empty: t.stats.chartEmpty }));
}
