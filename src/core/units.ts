// Plain formatting of the panel's units, shared by every front end (texts stay in locales).

export const DAY_MS = 86_400_000;
export const GB = 2 ** 30;

/** Bytes as GB with up to two decimals: 107374182400 -> "100", 1610612736 -> "1.5". */
export function gbString(bytes: number): string {
  return String(Math.round((bytes / GB) * 100) / 100);
}

/** Unix ms as "YYYY-MM-DD HH:MM" in the process's time zone. */
export function dateString(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The process's time zone (TZ) at `ms` as an offset: "UTC", "UTC+3", "UTC-3:30". */
export function zoneName(ms: number): string {
  const offset = -new Date(ms).getTimezoneOffset();
  if (offset === 0) return "UTC";
  const abs = Math.abs(offset);
  return `UTC${offset > 0 ? "+" : "-"}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, "0")}` : ""}`;
}

/** A moment as people read it: "2027-01-31 18:00 UTC+3" (the zone, since admins and servers differ). */
export const timeString = (ms: number): string => `${dateString(ms)} ${zoneName(ms)}`;

/**
 * An expiry at local midnight is a date an admin typed ("valid through 2027-01-31", stored as
 * the midnight after it): that day as "YYYY-MM-DD"; any other moment: undefined.
 */
export function lastValidDay(ms: number): string | undefined {
  const d = new Date(ms);
  if (d.getHours() !== 0 || d.getMinutes() !== 0 || d.getSeconds() !== 0 || d.getMilliseconds() !== 0) return undefined;
  return dateString(new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1).getTime()).slice(0, 10);
}

/**
 * Whole days from now until `ms`, a part of a day counting as one (2.5 days left is "3 days",
 * as the reminder "expires in 3 days" says it); negative when past (an hour ago: -1).
 */
export function daysLeft(ms: number, now: number): number {
  const days = (ms - now) / DAY_MS;
  return days >= 0 ? Math.ceil(days) : -Math.ceil(-days);
}

/** Days of a delayed start (expiryTime < 0 means "valid -expiryTime ms from first use"). */
export function delayedDays(expiryTime: number): number {
  return Math.round(-expiryTime / DAY_MS);
}
