// Bot-file migration 3 ("reminders"): what was reminded to whom, and what we know of each
// Telegram user the reminders go to (the language they write in, whether they blocked the bot).
import type Database from "better-sqlite3";

export function remindersMigration(db: Database.Database): void {
  db.exec(`
    -- One row per reminder ever decided: stored before it is sent, so it is sent at most once.
    -- status: sending (claimed; a crash leaves it so), sent, passed (a lesser threshold crossed
    -- meanwhile, never sent), blocked (the user blocked the bot), failed.
    CREATE TABLE reminders (
      server TEXT NOT NULL,
      email TEXT NOT NULL,
      kind TEXT NOT NULL,
      threshold INTEGER NOT NULL,
      about INTEGER NOT NULL,
      tg_id INTEGER NOT NULL,
      at INTEGER NOT NULL,
      status TEXT NOT NULL,
      PRIMARY KEY (server, email, kind, threshold, about)
    );
    CREATE INDEX reminders_at ON reminders (at);
    CREATE TABLE reminder_users (
      tg_id INTEGER PRIMARY KEY,
      language TEXT,
      unreachable_at INTEGER,
      updated_at INTEGER NOT NULL
    );`);
}
