// The reminders' memory in the bot's file: which reminder went to whom (so each is sent once,
// across restarts), the language each Telegram user last wrote in, who blocked the bot, and the
// day the admins' report was last sent.
import type Database from "better-sqlite3";
import { reminderKeyString, type ReminderKey, type ReminderKind } from "../core/reminder-key.js";
import { openBotFile } from "./bot-file.js";

export type ReminderStatus = "sending" | "sent" | "passed" | "blocked" | "failed";

export interface ReminderRecord extends ReminderKey {
  tgId: number;
  at: number;
  status: ReminderStatus;
}

interface Row {
  server: string;
  email: string;
  kind: string;
  threshold: number;
  about: number;
  tg_id: number;
  at: number;
  status: string;
}

const toRecord = (r: Row): ReminderRecord => ({
  server: r.server,
  email: r.email,
  kind: r.kind as ReminderKind,
  threshold: r.threshold,
  about: r.about,
  tgId: r.tg_id,
  at: r.at,
  status: r.status as ReminderStatus,
});

const KEY = "server = ? AND email = ? AND kind = ? AND threshold = ? AND about = ?";
const keyArgs = (k: ReminderKey) => [k.server, k.email, k.kind, k.threshold, k.about] as const;

/** Where the last report's day is kept in kv (a scope with no TTL). */
const REPORT = ["reminders", "report-day"] as const;

export class ReminderStore {
  private readonly db: Database.Database;
  private readonly now: () => number;

  /** `now`: the clock, injectable for tests. */
  constructor(path: string, options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    this.db = openBotFile(path);
  }

  /**
   * What the planning needs to know: every reminder recorded for `server`, whatever its status
   * (none of them is sent again), and the users who blocked the bot.
   */
  memory(server: string): { sent: Set<string>; unreachable: Set<number> } {
    const rows = this.db.prepare("SELECT server, email, kind, threshold, about FROM reminders WHERE server = ?").all(server) as Row[];
    return { sent: new Set(rows.map((r) => reminderKeyString(toRecord(r)))), unreachable: this.unreachable() };
  }

  /**
   * Records `sending` (status "sending") and `passed` at once, before anything is sent: this is
   * what makes a reminder count as done. Returns the ones of `sending` this call recorded; one
   * already there (another tick, a restart) is not this call's to send.
   */
  claim(sending: (ReminderKey & { tgId: number })[], passed: (ReminderKey & { tgId: number })[]): ReminderKey[] {
    const insert = this.db.prepare("INSERT OR IGNORE INTO reminders (server, email, kind, threshold, about, tg_id, at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    return this.db.transaction(() => {
      const at = this.now();
      for (const p of passed) insert.run(...keyArgs(p), p.tgId, at, "passed");
      return sending.filter((s) => insert.run(...keyArgs(s), s.tgId, at, "sending").changes === 1);
    })();
  }

  /** What became of reminders once their message was sent, or not. */
  settle(keys: ReminderKey[], status: Exclude<ReminderStatus, "sending" | "passed">): void {
    const update = this.db.prepare(`UPDATE reminders SET status = ?, at = ? WHERE ${KEY}`);
    this.db.transaction(() => {
      for (const k of keys) update.run(status, this.now(), ...keyArgs(k));
    })();
  }

  /** Drops the traffic chain (traffic and depleted) recorded about limit `about`: its usage was reset. */
  forgetTraffic(server: string, email: string, about: number): void {
    this.db.prepare("DELETE FROM reminders WHERE server = ? AND email = ? AND kind IN ('traffic', 'depleted') AND about = ?").run(server, email, about);
  }

  /** The latest reminders sent or tried (not the passed ones), newest first. */
  latest(limit: number): ReminderRecord[] {
    return (this.db.prepare("SELECT * FROM reminders WHERE status != 'passed' ORDER BY at DESC, rowid DESC LIMIT ?").all(limit) as Row[]).map(toRecord);
  }

  /** Reminders that did not reach their user since `since`. */
  undelivered(since: number): ReminderRecord[] {
    return (this.db.prepare("SELECT * FROM reminders WHERE status IN ('blocked', 'failed') AND at >= ? ORDER BY at").all(since) as Row[]).map(toRecord);
  }

  /** A Telegram user wrote to the bot: their language, and they can be written to again. */
  noteUser(tgId: number, language: string | undefined): void {
    this.db
      .prepare(
        `INSERT INTO reminder_users (tg_id, language, unreachable_at, updated_at) VALUES (?, ?, NULL, ?)
         ON CONFLICT (tg_id) DO UPDATE SET language = excluded.language, unreachable_at = NULL, updated_at = excluded.updated_at
         WHERE language IS NOT excluded.language OR unreachable_at IS NOT NULL`,
      )
      .run(tgId, language ?? null, this.now());
  }

  /** Telegram said this user blocked the bot: no more tries until they write again. */
  markUnreachable(tgId: number): void {
    this.db
      .prepare("INSERT INTO reminder_users (tg_id, unreachable_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (tg_id) DO UPDATE SET unreachable_at = excluded.unreachable_at, updated_at = excluded.updated_at")
      .run(tgId, this.now(), this.now());
  }

  private unreachable(): Set<number> {
    return new Set(this.db.prepare("SELECT tg_id FROM reminder_users WHERE unreachable_at IS NOT NULL").pluck().all() as number[]);
  }

  /** The language code Telegram last reported for `tgId`, if any. */
  language(tgId: number): string | undefined {
    return (this.db.prepare("SELECT language FROM reminder_users WHERE tg_id = ?").pluck().get(tgId) as string | null | undefined) ?? undefined;
  }

  /** The day (YYYY-MM-DD) the admins' report was last sent. */
  reportDay(): string | undefined {
    const value = this.db.prepare("SELECT value FROM kv WHERE scope = ? AND key = ?").pluck().get(...REPORT) as string | undefined;
    return value === undefined ? undefined : (JSON.parse(value) as string);
  }

  setReportDay(day: string): void {
    this.db
      .prepare("INSERT INTO kv (scope, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
      .run(...REPORT, JSON.stringify(day), this.now());
  }

  close(): void {
    this.db.close();
  }
}
