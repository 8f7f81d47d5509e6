// The bot's own SQLite file (BOT_DATA_PATH), shared by the store (conversations, selections,
// the heartbeat) and the audit log, and opened by the bot, the API and every `xui-admin` call.
// Its layout carries a version number (PRAGMA user_version): whoever opens an older file
// brings it forward through the migrations below, in order, in one transaction; a file from a
// newer version is refused untouched, since this code would misread or damage what it does
// not know (an upgrade that went wrong and was rolled back, a copy from another server).
import type Database from "better-sqlite3";
import { XuiError } from "../core/errors.js";
import { version } from "../core/version.js";
import { invitationsMigration } from "./invitations-migration.js";
import { migrateServers } from "./migration-servers.js";
import { openPrivateDatabase } from "./private-database.js";
import { remindersMigration } from "./migration-reminders.js";
import { usageHistoryMigration } from "./usage-history-migration.js";

/** Brings a file from one version to the next; runs inside the migration's transaction. */
export type Migration = (db: Database.Database) => void;

/** Columns the audit table gained before the file had a version, with their type. */
const LATE_AUDIT_COLUMNS = { details: "TEXT", db_path: "TEXT", db_id: "TEXT", clients: "INTEGER", names: "TEXT" } as const;

/**
 * Migration i takes a file from version i to i + 1. Released ones are never edited: a change
 * of layout is a new migration at the end.
 */
export const MIGRATIONS: readonly Migration[] = [
  // 1: the layout of the versions before the number. Their files (version 0) may hold any part
  // of it already, so everything here is created only when missing.
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS kv (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      );
      CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        operation TEXT NOT NULL,
        op TEXT,
        diffs BLOB NOT NULL,
        details TEXT,
        undone_by INTEGER,
        db_path TEXT,
        db_id TEXT,
        clients INTEGER,
        names TEXT
      );
      CREATE INDEX IF NOT EXISTS audit_actor ON audit (actor, id);
      -- The later transactions of a change committed in several: each unit's diffs as it commits.
      CREATE TABLE IF NOT EXISTS audit_parts (
        entry_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        diffs BLOB NOT NULL,
        PRIMARY KEY (entry_id, seq)
      );`);
    const columns = db.prepare("SELECT name FROM pragma_table_info('audit')").pluck().all();
    for (const [name, type] of Object.entries(LATE_AUDIT_COLUMNS)) {
      if (!columns.includes(name)) db.exec(`ALTER TABLE audit ADD COLUMN ${name} ${type}`);
    }
  },
  // 2: invitations.
  invitationsMigration,
  // 3: reminders sent once, and the Telegram users they go to.
  remindersMigration,
  // 4: usage history
  usageHistoryMigration,
  // 5: the server of each audit entry, and the batch of a change across servers.
  migrateServers,
];

/** The version this code writes and reads. */
export const BOT_FILE_VERSION = MIGRATIONS.length;

const versionOf = (db: Database.Database): number => db.pragma("user_version", { simple: true }) as number;

/** Throws, naming the way out, when `db` comes from a newer version than `known`. */
export function refuseNewer(db: Database.Database, path: string, known: number): void {
  const found = versionOf(db);
  if (found <= known) return;
  throw new XuiError(
    "read-only",
    `${path} was written by a newer xui-admin-bot (file version ${found}; this is ${version()}, which knows up to ${known}): ` +
      "it is left untouched. Run the newer version again, or set BOT_DATA_PATH to another file.",
    [path],
    undefined,
    { kind: "read-only", path, why: "newer-bot-file" },
  );
}

/**
 * Opens the bot's file at `path` (created 0600 when missing), migrated to the newest version.
 * `migrations`: the list to follow (tests give their own).
 */
export function openBotFile(path: string, migrations: readonly Migration[] = MIGRATIONS): Database.Database {
  const db = openPrivateDatabase(path);
  try {
    db.pragma("busy_timeout = 5000"); // the bot and a CLI call may share the file
    refuseNewer(db, path, migrations.length); // before anything writes, the journal mode included
    db.pragma("journal_mode = WAL"); // our own file: WAL keeps writes cheap
    if (versionOf(db) < migrations.length) {
      // IMMEDIATE: two processes opening an old file at once migrate it once, one after the other.
      db.transaction(() => {
        refuseNewer(db, path, migrations.length);
        for (let v = versionOf(db); v < migrations.length; v++) (migrations[v] as Migration)(db);
        db.pragma(`user_version = ${migrations.length}`);
      }).immediate();
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
