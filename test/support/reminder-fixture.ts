// A real 2.x x-ui.db for the reminder tests: Telegram users linked to clients in every state a
// reminder is about, times relative to `now`.
import pino from "pino";
import { ReminderJob } from "../../src/bot/jobs/reminders.js";
import { Pacer } from "../../src/bot/jobs/pacer.js";
import type { ReminderJobDeps } from "../../src/bot/jobs/reminders.js";
import { buildXuiDb } from "./xui-fixture.js";

export const DAY = 86_400_000;
export const GIB = 2 ** 30;

/** Telegram users: one with three clients, one expiring within a day, one who blocked the bot. */
export const USERS = { alice: 500, bob: 600, carol: 700 } as const;

export function buildReminderDb(path: string, now: number): void {
  buildXuiDb(path, {
    inbounds: [
      {
        id: 1,
        protocol: "vless",
        remark: "NL",
        clients: [
          // 2.5 days left: the 3-day reminder.
          { email: "alice", tgId: USERS.alice, expiryTime: now + 2.5 * DAY, totalBytes: 10 * GIB, up: 0, down: GIB },
          // 85 % used: the 80 % reminder.
          { email: "alice-phone", tgId: USERS.alice, expiryTime: now + 20 * DAY, totalBytes: 10 * GIB, up: GIB, down: 7.5 * GIB },
          // Used up: the depleted reminder.
          { email: "alice-laptop", tgId: USERS.alice, expiryTime: 0, totalBytes: 10 * GIB, up: 2 * GIB, down: 8 * GIB, active: false },
          // Half a day left: after downtime, only the 1-day reminder (3 days is passed meanwhile).
          { email: "bob", tgId: String(USERS.bob), expiryTime: now + 0.5 * DAY },
          { email: "carol", tgId: USERS.carol, expiryTime: now + 2 * DAY },
          // Nobody to remind.
          { email: "dave", tgId: 0, expiryTime: now + 0.5 * DAY },
          // Blocked by the admin: not reminded.
          { email: "erin", tgId: 800, expiryTime: now + 0.5 * DAY, enable: false, active: false },
        ],
      },
    ],
  });
}

/** A job on the harness's files and stand-in, sending at once (no real pacing). */
export function reminderJob(h: { bot: { api: ReminderJobDeps["api"] }; service: ReminderJobDeps["service"]; reminders: ReminderJobDeps["reminders"]; audit: ReminderJobDeps["audit"]; config: ReminderJobDeps["config"] }): ReminderJob {
  return new ReminderJob({ api: h.bot.api, service: h.service, reminders: h.reminders, audit: h.audit, config: h.config, logger: pino({ level: "silent" }), pacer: new Pacer(1000, async () => {}) });
}
