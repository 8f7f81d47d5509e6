// Which reminders are due: pure planning from the clients, the thresholds, the time and what
// was already sent. The bot's job sends what this returns; `xui-admin remind --dry-run` and
// /reminders show it; neither decides anything of its own.
import { reminderKeyString, type ReminderKey, type ReminderKind } from "../core/reminder-key.js";
import type { Client } from "../core/types.js";
import { DAY_MS, daysLeft } from "../core/units.js";
import { isExhausted } from "./operations.js";

export interface ReminderThresholds {
  /** Days before expiry, e.g. [3, 1]. */
  days: number[];
  /** Percent of the traffic limit used, e.g. [80, 95]. */
  traffic: number[];
}

export interface PlannedReminder extends ReminderKey {
  tgId: number;
  /** Days left until expiry, rounded up (expiry), days since it (expired, negative), or percent of the limit used (traffic, depleted). */
  value: number;
  /** Bytes used now (for the traffic chain's texts). */
  usedBytes: number;
  /** Lesser thresholds of the same chain crossed meanwhile: recorded as passed, never sent. */
  passed: ReminderKey[];
}

/** All the reminders one Telegram user gets in one message. */
export interface UserReminders {
  tgId: number;
  reminders: PlannedReminder[];
}

export interface ReminderPlan {
  /** One entry per Telegram user to write to now. */
  due: UserReminders[];
  /** Due, but the user blocked the bot: kept until they write to it again. */
  unreachable: UserReminders[];
  /**
   * Traffic chains (traffic and depleted, for limit `about`) that fell below every threshold
   * (a reset): their records go, so that the next crossing is reminded again.
   */
  forget: { server: string; email: string; about: number }[];
}

/** The server reminders are recorded for, until the bot manages several. */
export { LOCAL_SERVER } from "../core/usage.js";

/** An expiry longer ago than this gets no "expired" reminder: a first start must not greet every long-lapsed client. */
export const EXPIRED_WITHIN_DAYS = 7;

interface Level {
  kind: ReminderKind;
  threshold: number;
}

/**
 * The levels of one chain that apply now, least urgent first (the last is the most urgent).
 * Time: each day threshold at or under the time left, then expired. Traffic: each percent
 * reached, then depleted.
 */
function timeLevels(c: Client, days: number[], now: number): Level[] {
  if (c.expiryTime <= 0) return []; // never expires, or a delayed start not yet begun
  const left = c.expiryTime - now;
  const levels: Level[] = [...days].sort((a, b) => b - a).filter((d) => left <= d * DAY_MS).map((d) => ({ kind: "expiry", threshold: d }));
  if (left <= 0) {
    if (-left > EXPIRED_WITHIN_DAYS * DAY_MS) return [];
    levels.push({ kind: "expired", threshold: 0 });
  }
  return levels;
}

const usedPercent = (c: Client) => Math.floor(((c.up + c.down) / c.totalBytes) * 100);

function trafficLevels(c: Client, percents: number[]): Level[] {
  if (c.totalBytes <= 0) return [];
  const used = usedPercent(c);
  const levels: Level[] = [...percents].sort((a, b) => a - b).filter((p) => used >= p).map((p) => ({ kind: "traffic", threshold: p }));
  if (isExhausted(c)) levels.push({ kind: "depleted", threshold: 0 });
  return levels;
}

/**
 * What to send now. Per client and chain (time, traffic) only the most urgent level that
 * applies is sent, and only when it was not recorded before; the lesser ones are recorded as
 * passed with it, so catching up after downtime sends one reminder, not every threshold crossed
 * meanwhile. Clients with no Telegram user, and clients the admin blocked, get nothing.
 */
export function planReminders(input: {
  server: string;
  clients: Client[];
  thresholds: ReminderThresholds;
  now: number;
  /** reminderKeyString of everything recorded for `server`. */
  sent: ReadonlySet<string>;
  /** Telegram users who blocked the bot. */
  unreachable: ReadonlySet<number>;
}): ReminderPlan {
  const { server, now, sent } = input;
  const byUser = new Map<number, PlannedReminder[]>();
  const forget: ReminderPlan["forget"] = [];
  for (const c of input.clients) {
    if (c.tgId <= 0 || !c.enabled) continue;
    const chains: { levels: Level[]; about: number; value: number; traffic: boolean }[] = [
      { levels: timeLevels(c, input.thresholds.days, now), about: c.expiryTime, value: daysLeft(c.expiryTime, now), traffic: false },
      { levels: trafficLevels(c, input.thresholds.traffic), about: c.totalBytes, value: c.totalBytes > 0 ? usedPercent(c) : 0, traffic: true },
    ];
    for (const { levels, about, value, traffic } of chains) {
      const key = (l: Level): ReminderKey => ({ server, email: c.email, kind: l.kind, threshold: l.threshold, about });
      const top = levels.at(-1);
      if (top === undefined) {
        // Usage only goes down by a reset: what was recorded for this limit no longer holds.
        const recorded = [...input.thresholds.traffic.map((p): Level => ({ kind: "traffic", threshold: p })), { kind: "depleted", threshold: 0 } as Level];
        if (traffic && about > 0 && recorded.some((l) => sent.has(reminderKeyString(key(l))))) forget.push({ server, email: c.email, about });
        continue;
      }
      if (sent.has(reminderKeyString(key(top)))) continue;
      const passed = levels.slice(0, -1).map(key).filter((k) => !sent.has(reminderKeyString(k)));
      const list = byUser.get(c.tgId) ?? [];
      list.push({ ...key(top), tgId: c.tgId, value, usedBytes: c.up + c.down, passed });
      byUser.set(c.tgId, list);
    }
  }
  const plan: ReminderPlan = { due: [], unreachable: [], forget };
  for (const [tgId, reminders] of byUser) (input.unreachable.has(tgId) ? plan.unreachable : plan.due).push({ tgId, reminders });
  return plan;
}
