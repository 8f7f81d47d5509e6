// File version 2: one-time invitation links (store/invitations.ts). Only the code's SHA-256 is
// kept: whoever reads the file (a backup, a copy) cannot open a link still waiting to be used.
import type Database from "better-sqlite3";

export function invitationsMigration(db: Database.Database): void {
  db.exec(`
    CREATE TABLE invitations (
      code_hash TEXT PRIMARY KEY,
      email TEXT NOT NULL,
      db_path TEXT NOT NULL,
      db_id TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER,
      used_by INTEGER
    );`);
}
