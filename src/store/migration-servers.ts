// Bot file version 5 ("servers"): one bot for several servers. Each audit entry records the
// server it was made on (NULL in older entries: the one local server there was), and a change
// across servers, recorded as one entry per server, the batch its entries share, so that one
// undo reverts all of it.
import type Database from "better-sqlite3";

export function migrateServers(db: Database.Database): void {
  db.exec(`
    ALTER TABLE audit ADD COLUMN server TEXT;
    ALTER TABLE audit ADD COLUMN batch TEXT;
    CREATE INDEX audit_batch ON audit (batch) WHERE batch IS NOT NULL;`);
}
