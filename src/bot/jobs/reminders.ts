// The reminder job of the bot process: every REMIND_EVERY_MIN minutes it sends each linked user
// one message listing their clients that crossed a threshold, and at REPORT_TIME the admins
// their daily report. What is due is decided by the service (planReminders); this sends it,
// recording each reminder before its message goes, so that none is sent twice.
import { GrammyError, type Api } from "grammy";
import type { Config } from "../../config.js";
import { reminderKeyString } from "../../core/reminder-key.js";
import { DAY_MS } from "../../core/units.js";
import type { Logger } from "../../log.js";
import { dailyReport, dayString, reportDue } from "../../service/daily-report.js";
import { planEveryServer } from "../../service/reminder-fleet.js";
import type { UserReminders } from "../../service/reminders.js";
import type { ClientService } from "../../service/client-service.js";
import type { AuditLog } from "../../store/audit-log.js";
import type { ReminderStore } from "../../store/reminders.js";
import { splitMessage } from "../html.js";
import { textsFor } from "../i18n.js";
import { reminderMessage, reportText } from "../reminder-texts.js";
import type { Pacer } from "./pacer.js";

/** How often the timer looks at the clock: the report's resolution. */
const CHECK_EVERY_MS = 60_000;

/** Creations looked at for "created yesterday": the audit log's latest entries, enough for two days of any real admin. */
const CREATIONS_SCANNED = 2000;

export interface ReminderJobDeps {
  api: Api;
  service: ClientService;
  reminders: ReminderStore;
  audit: AuditLog;
  config: Pick<Config, "reminders" | "adminIds" | "language">;
  logger: Logger;
  pacer: Pacer;
  /** The clock, injectable for tests. */
  now?: () => number;
  /** The name reminders are recorded under with one server (default LOCAL_SERVER). */
  server?: string;
}

/** Telegram will not deliver to this chat until its user writes to the bot (blocked it, never opened it, deleted the account). */
export const isUnreachable = (err: unknown): boolean =>
  err instanceof GrammyError && (err.error_code === 403 || (err.error_code === 400 && /chat not found/i.test(err.description)));

export class ReminderJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastReminders = -Infinity;
  private readonly now: () => number;

  constructor(private readonly deps: ReminderJobDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Checks every minute from now on; reminders every REMIND_EVERY_MIN, the report when due. */
  start(): void {
    this.timer = setInterval(() => {
      const now = this.now();
      const reminders = now - this.lastReminders >= this.deps.config.reminders.everyMin * 60_000;
      void this.run(now, reminders);
    }, CHECK_EVERY_MS);
    void this.run(this.now(), true);
  }

  /** No new tick starts; the one running (if any) finishes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One check at `now`: reminders (unless REMINDERS=off) and the report if due. */
  tick(now = this.now()): Promise<void> {
    return this.run(now, true);
  }

  /** A tick that starts while one runs joins it: two never send the same reminders side by side. */
  private run(now: number, reminders: boolean): Promise<void> {
    this.running ??= (async () => {
      try {
        if (reminders && this.deps.config.reminders.enabled) {
          this.lastReminders = now;
          await this.sendReminders(now);
        }
        await this.sendReport(now);
      } catch (err) {
        this.deps.logger.error({ err }, "reminders: the check failed; trying again at the next one");
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Each server's reminders, then one message per user listing their clients on every server. */
  private async sendReminders(now: number): Promise<void> {
    const { service, reminders: store } = this.deps;
    const plan = planEveryServer({ service, thresholds: this.deps.config.reminders, now, memory: (s) => store.memory(s), single: this.deps.server });
    for (const f of plan.forget) store.forgetTraffic(f.server, f.email, f.about);
    for (const batch of plan.due) await this.sendBatch(batch);
  }

  private async sendBatch(batch: UserReminders): Promise<void> {
    const { reminders: store, api, logger } = this.deps;
    const passed = batch.reminders.flatMap((r) => r.passed.map((p) => ({ ...p, tgId: batch.tgId })));
    const claimed = new Set(store.claim(batch.reminders, passed).map(reminderKeyString));
    const mine = batch.reminders.filter((r) => claimed.has(reminderKeyString(r)));
    if (mine.length === 0) return;
    const t = textsFor(store.language(batch.tgId), this.deps.config.language);
    try {
      for (const part of splitMessage(reminderMessage(t, mine, this.deps.service.serverNames.length > 1))) {
        await this.deps.pacer.wait();
        await api.sendMessage(batch.tgId, part, { parse_mode: "HTML" });
      }
      store.settle(mine, "sent");
    } catch (err) {
      if (isUnreachable(err)) {
        store.markUnreachable(batch.tgId);
        store.settle(mine, "blocked");
        logger.info({ tgId: batch.tgId }, "reminders: the user blocked the bot; not tried again until they write to it");
      } else {
        store.settle(mine, "failed");
        logger.warn({ err, tgId: batch.tgId }, "reminders: could not send a reminder");
      }
    }
  }

  private async sendReport(now: number): Promise<void> {
    const { config, reminders: store, api, logger } = this.deps;
    const time = config.reminders.reportTime;
    if (!time || !reportDue(time, now, store.reportDay())) return;
    store.setReportDay(dayString(now)); // first: a failure below does not send it twice
    // Several servers: each client named with its server (server/email), as everywhere else.
    const ref = (server: string | undefined, email: string) => this.deps.service.refOf({ email, server });
    const creations = this.deps.audit
      .summaries(CREATIONS_SCANNED)
      .filter((e) => e.operation === "create" && e.undoneBy === null)
      .map((e) => ({ at: e.at, names: e.names.map((n) => ref(e.server, n)) }));
    const undelivered = store.undelivered(now - DAY_MS).map((r) => ({ email: ref(r.server, r.email), tgId: r.tgId, status: r.status === "blocked" ? ("blocked" as const) : ("failed" as const) }));
    const report = dailyReport({ clients: this.deps.service.clients(), now, creations, undelivered });
    for (const admin of config.adminIds) {
      const t = textsFor(store.language(admin), config.language);
      try {
        for (const part of splitMessage(reportText(t, report, (c) => this.deps.service.refOf(c)))) {
          await this.deps.pacer.wait();
          await api.sendMessage(admin, part, { parse_mode: "HTML" });
        }
      } catch (err) {
        logger.warn({ err, admin }, "reminders: could not send the daily report to an admin");
      }
    }
  }
}
