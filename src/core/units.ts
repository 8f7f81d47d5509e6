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

/** Whole days from now until `ms`, to the nearest day; negative when past. */
export function daysLeft(ms: number, now: number): number {
  return Math.round((ms - now) / DAY_MS);
}

/** Days of a delayed start (expiryTime < 0 means "valid -expiryTime ms from first use"). */
export function delayedDays(expiryTime: number): number {
  return Math.round(-expiryTime / DAY_MS);
}
