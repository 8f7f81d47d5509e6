// Sending an announcement in the background: a copy of the admin's message (formatting, photo
// or file kept) to each recipient at the shared safe rate, with a progress message edited in
// place, until done or stopped by the admin's /cancel.
import type { Api } from "grammy";
import type { Logger } from "../../log.js";
import type { ReminderStore } from "../../store/reminders.js";
import type { Texts } from "../locales/en.js";
import { isUnreachable } from "./reminders.js";
import type { Pacer } from "./pacer.js";

/** The progress message is edited at most this often, ms (each edit is a call to Telegram too). */
export const PROGRESS_EVERY_MS = 3000;

export interface BroadcastSource {
  chatId: number;
  messageId: number;
}

export interface BroadcastDeps {
  api: Api;
  reminders: ReminderStore;
  pacer: Pacer;
  logger: Logger;
  now?: () => number;
  progressEveryMs?: number;
}

export class Broadcasts {
  /** The admins whose announcement is being sent, with its stop switch. */
  private readonly running = new Map<number, { stopped: boolean }>();

  constructor(private readonly deps: BroadcastDeps) {}

  isRunning(adminId: number): boolean {
    return this.running.has(adminId);
  }

  /** Stops `adminId`'s announcement after the message being sent; false when none runs. */
  stop(adminId: number): boolean {
    const run = this.running.get(adminId);
    if (run) run.stopped = true;
    return run !== undefined;
  }

  /** Starts sending; the promise settles when it has ended (callers do not wait for it). */
  start(adminId: number, t: Texts, source: BroadcastSource, recipients: number[]): Promise<void> {
    const run = { stopped: false };
    this.running.set(adminId, run);
    return this.send(adminId, t, source, recipients, run)
      .catch((err: unknown) => this.deps.logger.error({ err }, "broadcast failed"))
      .finally(() => this.running.delete(adminId));
  }

  private async send(adminId: number, t: Texts, source: BroadcastSource, recipients: number[], run: { stopped: boolean }): Promise<void> {
    const { api, pacer, logger } = this.deps;
    const now = this.deps.now ?? Date.now;
    const every = this.deps.progressEveryMs ?? PROGRESS_EVERY_MS;
    const total = recipients.length;
    const progress = await api.sendMessage(adminId, t.broadcast.progress(0, total));
    const edit = (text: string) =>
      api.editMessageText(adminId, progress.message_id, text).catch((err: unknown) => logger.debug({ err }, "broadcast: progress not edited"));
    const counts = { delivered: 0, blocked: 0, failed: 0 };
    let lastEdit = now();
    for (const tgId of recipients) {
      if (run.stopped) break;
      await pacer.wait();
      try {
        await api.copyMessage(tgId, source.chatId, source.messageId);
        counts.delivered++;
      } catch (err) {
        if (isUnreachable(err)) {
          counts.blocked++;
          this.deps.reminders.markUnreachable(tgId);
        } else {
          counts.failed++;
          logger.warn({ err, tgId }, "broadcast: could not send to a user");
        }
      }
      const sent = counts.delivered + counts.blocked + counts.failed;
      if (sent < total && now() - lastEdit >= every) {
        lastEdit = now();
        await edit(t.broadcast.progress(sent, total));
      }
    }
    const { delivered, blocked, failed } = counts;
    await edit(run.stopped ? t.broadcast.stopped(delivered, blocked, failed, total) : t.broadcast.done(delivered, blocked, failed));
  }
}
