// Reminder settings from the environment: read the same way by the bot's configuration and by
// `xui-admin remind` (which loads no zod: start-up time is part of every call).
import type { ReminderThresholds } from "./service/reminders.js";

export interface ReminderSettings extends ReminderThresholds {
  /** REMINDERS: users are reminded at all. */
  enabled: boolean;
  /** REMIND_EVERY_MIN: minutes between two checks. */
  everyMin: number;
  /** REPORT_TIME in the process's time zone; null: no daily report. */
  reportTime: { hour: number; minute: number } | null;
}

export const REMINDER_DEFAULTS: ReminderSettings = { enabled: true, days: [3, 1], traffic: [80, 95], everyMin: 10, reportTime: null };

/** A comma-separated list of distinct whole numbers in [min, max]; undefined (and a problem) when it is not one. */
function numberList(name: string, text: string, min: number, max: number, problems: string[]): number[] | undefined {
  const parts = text.split(/[\s,]+/).filter((p) => p !== "");
  const ok = parts.length > 0 && parts.every((p) => /^\d{1,5}$/.test(p) && Number(p) >= min && Number(p) <= max);
  if (!ok) {
    problems.push(`${name} must be whole numbers from ${min} to ${max}, separated by commas (e.g. ${name === "REMIND_DAYS" ? "3,1" : "80,95"})`);
    return undefined;
  }
  return [...new Set(parts.map(Number))];
}

/** The settings, with what is wrong added to `problems` (every problem at once, as the rest of the configuration does). */
export function reminderSettings(env: Record<string, string | undefined>, problems: string[]): ReminderSettings {
  const get = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const s: ReminderSettings = { ...REMINDER_DEFAULTS };
  const on = get("REMINDERS");
  if (on !== undefined) {
    if (on !== "on" && on !== "off") problems.push("REMINDERS must be on or off");
    s.enabled = on !== "off";
  }
  const days = get("REMIND_DAYS");
  if (days !== undefined) s.days = numberList("REMIND_DAYS", days, 1, 3650, problems) ?? s.days;
  const traffic = get("REMIND_TRAFFIC");
  if (traffic !== undefined) s.traffic = numberList("REMIND_TRAFFIC", traffic, 1, 99, problems) ?? s.traffic;
  const every = get("REMIND_EVERY_MIN");
  if (every !== undefined) {
    if (!/^\d{1,5}$/.test(every) || Number(every) < 1) problems.push("REMIND_EVERY_MIN must be a whole number of minutes, at least 1");
    else s.everyMin = Number(every);
  }
  const report = get("REPORT_TIME");
  if (report !== undefined) {
    const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(report);
    if (!m) problems.push("REPORT_TIME must be a time of day as HH:MM (e.g. 09:00), or empty for no report");
    else s.reportTime = { hour: Number(m[1]), minute: Number(m[2]) };
  }
  return s;
}
