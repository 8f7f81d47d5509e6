// Usage history's vocabulary: calendar days in the process's time zone (TZ), and what the
// history answers. The store keeps it; the service reads it through UsageSource.

/** One client's (or the server's) traffic on one day, bytes. */
export interface DayUsage {
  /** YYYY-MM-DD in the process's time zone. */
  day: string;
  up: number;
  down: number;
}

/** Traffic over some days, bytes. */
export interface UsageTotal {
  up: number;
  down: number;
}

/** What the statistics read from the usage history (the store's UsageHistory is one). */
export interface UsageSource {
  /** Per email, the traffic of the days from `fromDay` through today. */
  totalsSince(server: string, fromDay: string): Map<string, UsageTotal>;
  /** One client's days from `fromDay` on that had traffic, oldest first. */
  daily(server: string, email: string, fromDay: string): DayUsage[];
  /** The first day the history has for `server`; undefined before its first sample. */
  firstDay(server: string): string | undefined;
}

/** The history's name of the one server when one is configured (whatever SERVERS_FILE calls it). */
export const LOCAL_SERVER = "local";

/**
 * The name server `server`'s usage is kept under: its own with several servers, `local` with
 * one (the history recorded before several servers existed goes on counting). The sampler and
 * every reader ask this, so that they always agree.
 */
export const historyName = (serverNames: readonly string[], server: string | undefined): string =>
  serverNames.length > 1 && server !== undefined ? server : LOCAL_SERVER;

const pad = (n: number) => String(n).padStart(2, "0");

/** The calendar day of `ms` in the process's time zone, as YYYY-MM-DD (sorts as text). */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The day `n` calendar days after the day of `ms` (before, for negative `n`): by the calendar,
 * not by 24-hour steps, so a daylight-saving change never skips or repeats a day.
 */
export function dayKeyAfter(ms: number, n: number): string {
  const d = new Date(ms);
  return dayKey(new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, 12).getTime());
}

/** The `n` days ending with the day of `ms`, oldest first. */
export function lastDays(ms: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => dayKeyAfter(ms, i - n + 1));
}
