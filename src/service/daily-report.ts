// The admins' daily report, as data: who runs out today and tomorrow, who has used up their
// traffic, who was created yesterday, and which reminders did not reach their user. Days are
// calendar days in the process's time zone (TZ).
import type { Client } from "../core/types.js";
import { isExhausted } from "./operations.js";

export interface DailyReport {
  /** The report's day, YYYY-MM-DD. */
  day: string;
  expiringToday: Client[];
  expiringTomorrow: Client[];
  depleted: Client[];
  createdYesterday: string[];
  undelivered: { email: string; tgId: number; status: "blocked" | "failed" }[];
}

/** Midnight (local) of the day `offset` days after the one `ms` falls in. */
export function startOfDay(ms: number, offset = 0): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + offset).getTime();
}

export const dayString = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};

/** Whether the report for `now`'s day is due: at or after `time` (local), and not sent that day yet. */
export function reportDue(time: { hour: number; minute: number }, now: number, lastDay: string | undefined): boolean {
  const d = new Date(now);
  const at = new Date(d.getFullYear(), d.getMonth(), d.getDate(), time.hour, time.minute).getTime();
  return now >= at && lastDay !== dayString(now);
}

export function dailyReport(input: {
  clients: Client[];
  now: number;
  /** Creations recorded (the audit log): when, and which clients. */
  creations: { at: number; names: string[] }[];
  undelivered: DailyReport["undelivered"];
}): DailyReport {
  const { clients, now } = input;
  const today = startOfDay(now);
  const tomorrow = startOfDay(now, 1);
  const after = startOfDay(now, 2);
  const yesterday = startOfDay(now, -1);
  const byExpiry = (from: number, to: number) => clients.filter((c) => c.enabled && c.expiryTime >= from && c.expiryTime < to).sort((a, b) => a.expiryTime - b.expiryTime);
  return {
    day: dayString(now),
    expiringToday: byExpiry(today, tomorrow),
    expiringTomorrow: byExpiry(tomorrow, after),
    depleted: clients.filter((c) => c.enabled && isExhausted(c)),
    createdYesterday: input.creations.filter((e) => e.at >= yesterday && e.at < today).flatMap((e) => e.names),
    undelivered: input.undelivered,
  };
}
