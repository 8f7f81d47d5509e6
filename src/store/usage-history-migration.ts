// Bot-file migration 4 ("usage history"): per-client daily traffic, and the counters each
// client was last seen with, so that a restart neither loses nor counts twice.
import type Database from "better-sqlite3";

export function usageHistoryMigration(db: Database.Database): void {
  db.exec(`
    -- One row per client and day with traffic: the compact form of a sample every few minutes.
    CREATE TABLE usage_daily (
      server TEXT NOT NULL,
      email TEXT NOT NULL,
      day TEXT NOT NULL,
      up INTEGER NOT NULL,
      down INTEGER NOT NULL,
      PRIMARY KEY (server, email, day)
    ) WITHOUT ROWID;
    -- The counters of the last sample; key: the client's UUID/password, to follow a rename.
    CREATE TABLE usage_last (
      server TEXT NOT NULL,
      email TEXT NOT NULL,
      key TEXT NOT NULL,
      up INTEGER NOT NULL,
      down INTEGER NOT NULL,
      PRIMARY KEY (server, email)
    ) WITHOUT ROWID;
    -- When each server was first and last sampled.
    CREATE TABLE usage_servers (
      server TEXT PRIMARY KEY,
      first_at INTEGER NOT NULL,
      last_at INTEGER NOT NULL
    );`);
}
