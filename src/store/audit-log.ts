// The audit log in the bot's own SQLite file: every change from the bot, the CLI or the API.
// Entries hold every changed client's state, so they are kept for a limited time only.
import type Database from "better-sqlite3";
import type { AuditEntry, AuditSummary, ChangeRecord } from "../core/types.js";
import type { DiffTable } from "../core/diff-table.js";
import { decodeDiffs, encodeDiffs } from "./diff-codec.js";
import { openBotFile } from "./bot-file.js";

/** AUDIT_KEEP_DAYS's default. */
export const AUDIT_KEEP_DAYS = 180;
const DAY_MS = 86_400_000;

export interface AuditLogOptions {
  /** Entries older than this many days are deleted at open and by prune() (default 180). */
  keepDays?: number;
  /** The clock, injectable for tests. */
  now?: () => number;
}

/** Emails an entry's summary names; history lists these, not the whole diff. */
const SUMMARY_NAMES = 5;

interface Row {
  id: number;
  at: number;
  actor: string;
  operation: string;
  op: string | null;
  /** A DiffTable's bytes (see diff-codec); text in entries written by earlier versions. */
  diffs: Uint8Array | string;
  details: string | null;
  undone_by: number | null;
  db_path: string | null;
  db_id: string | null;
  /** Changed clients, and the first few of their emails (JSON); null in older entries. */
  clients: number | null;
  names: string | null;
  /** The server it was made on; null in entries of earlier versions. */
  server: string | null;
  batch: string | null;
}

const toEntry = (r: Row, parts: (Uint8Array | string)[]): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  operation: r.operation as AuditEntry["operation"],
  op: r.op === null ? null : (JSON.parse(r.op) as AuditEntry["op"]),
  diffs: [r.diffs, ...parts].flatMap(decodeDiffs),
  ...(r.details === null ? {} : { details: JSON.parse(r.details) as unknown }),
  ...(r.db_id === null ? {} : { database: { path: r.db_path ?? "", id: r.db_id } }),
  ...(r.server === null ? {} : { server: r.server }),
  ...(r.batch === null ? {} : { batch: r.batch }),
  undoneBy: r.undone_by,
});

export class AuditLog {
  private readonly db: Database.Database;
  private readonly keepMs: number;
  private readonly now: () => number;
  private pruning: NodeJS.Timeout | undefined;

  constructor(path: string, options: AuditLogOptions = {}) {
    this.keepMs = (options.keepDays ?? AUDIT_KEEP_DAYS) * DAY_MS;
    this.now = options.now ?? Date.now;
    this.db = openBotFile(path); // its tables are made by the file's migrations
    this.prune();
  }

  /** Deletes the entries older than the retention; returns how many went. */
  prune(): number {
    const gone = this.db.prepare("DELETE FROM audit WHERE at < ?").run(this.now() - this.keepMs).changes;
    if (gone > 0) this.db.exec("DELETE FROM audit_parts WHERE entry_id NOT IN (SELECT id FROM audit)");
    return gone;
  }

  /** For a long-running process: prune() once a day from now on (until close). A failed run
   *  (the file busy for long) goes to `onError` and the next day tries again. */
  pruneDaily(onError: (error: unknown) => void): void {
    clearInterval(this.pruning);
    this.pruning = setInterval(() => {
      try {
        this.prune();
      } catch (error) {
        onError(error);
      }
    }, DAY_MS);
    this.pruning.unref(); // never what keeps the process alive
  }

  record(r: ChangeRecord, at = this.now()): number {
    const changed = r.diffs.indices(true);
    const names = changed.slice(0, SUMMARY_NAMES).map((i) => r.diffs.emails[i]);
    const info = this.db
      .prepare("INSERT INTO audit (at, actor, operation, op, diffs, details, db_path, db_id, clients, names, server, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(
        at,
        r.actor,
        r.operation,
        r.op === null ? null : JSON.stringify(r.op),
        encodeDiffs(r.diffs),
        r.details === undefined ? null : JSON.stringify(r.details),
        r.database?.path ?? null,
        r.database?.id ?? null,
        changed.length,
        JSON.stringify(names),
        r.server ?? null,
        r.batch ?? null,
      );
    return Number(info.lastInsertRowid);
  }

  append(id: number, diffs: DiffTable): void {
    const changed = diffs.indices(true);
    const row = this.db.prepare("SELECT names FROM audit WHERE id = ?").get(id) as { names: string | null } | undefined;
    const names = [...(JSON.parse(row?.names ?? "[]") as string[]), ...changed.map((i) => diffs.emails[i] as string)].slice(0, SUMMARY_NAMES);
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO audit_parts (entry_id, seq, diffs) SELECT ?, coalesce(max(seq), 0) + 1, ? FROM audit_parts WHERE entry_id = ?")
        .run(id, encodeDiffs(diffs), id);
      this.db.prepare("UPDATE audit SET clients = coalesce(clients, 0) + ?, names = ? WHERE id = ?").run(changed.length, JSON.stringify(names), id);
    })();
  }

  /**
   * The latest entries as history lists them, newest first (only `actor`'s when given): no
   * diff is read, except for entries of earlier versions, which have no summary yet.
   */
  summaries(limit: number, actor?: string): AuditSummary[] {
    const rows = (actor === undefined
      ? this.db.prepare("SELECT id, at, actor, operation, undone_by, db_path, db_id, clients, names, server FROM audit ORDER BY id DESC LIMIT ?").all(limit)
      : this.db.prepare("SELECT id, at, actor, operation, undone_by, db_path, db_id, clients, names, server FROM audit WHERE actor = ? ORDER BY id DESC LIMIT ?").all(actor, limit)) as Omit<Row, "op" | "diffs" | "details" | "batch">[];
    return rows.map((r) => {
      let clients = r.clients;
      let names = r.names === null ? null : (JSON.parse(r.names) as string[]);
      if (clients === null || names === null) {
        const emails = this.get(r.id)?.diffs.map((d) => d.email) ?? [];
        clients = emails.length;
        names = emails.slice(0, SUMMARY_NAMES);
      }
      return {
        id: r.id,
        at: r.at,
        actor: r.actor,
        operation: r.operation as AuditSummary["operation"],
        clients,
        names,
        undoneBy: r.undone_by,
        ...(r.db_id === null ? {} : { database: { path: r.db_path ?? "", id: r.db_id } }),
        ...(r.server === null ? {} : { server: r.server }),
      };
    });
  }

  private entries(rows: Row[]): AuditEntry[] {
    const parts = this.db.prepare("SELECT diffs FROM audit_parts WHERE entry_id = ? ORDER BY seq").pluck();
    return rows.map((r) => toEntry(r, parts.all(r.id) as (Uint8Array | string)[]));
  }

  /** The latest entries, newest first; only `actor`'s when given. */
  latest(limit: number, actor?: string): AuditEntry[] {
    const rows = (actor === undefined
      ? this.db.prepare("SELECT * FROM audit ORDER BY id DESC LIMIT ?").all(limit)
      : this.db.prepare("SELECT * FROM audit WHERE actor = ? ORDER BY id DESC LIMIT ?").all(actor, limit)) as Row[];
    return this.entries(rows);
  }

  get(id: number): AuditEntry | undefined {
    const row = this.db.prepare("SELECT * FROM audit WHERE id = ?").get(id) as Row | undefined;
    return row && this.entries([row])[0];
  }

  /** The actor's latest changes that are not undone, not undos themselves, and not syncs, newest first. */
  undoable(actor: string, limit: number): AuditEntry[] {
    const rows = this.db
      .prepare("SELECT * FROM audit WHERE actor = ? AND undone_by IS NULL AND operation NOT IN ('restore', 'sync') ORDER BY id DESC LIMIT ?")
      .all(actor, limit) as Row[];
    return this.entries(rows);
  }

  /** Every entry of `batch` (one change across several servers), oldest first. */
  batch(batch: string): AuditEntry[] {
    return this.entries(this.db.prepare("SELECT * FROM audit WHERE batch = ? ORDER BY id").all(batch) as Row[]);
  }

  markUndone(id: number, by: number): void {
    this.db.prepare("UPDATE audit SET undone_by = ? WHERE id = ?").run(by, id);
  }

  close(): void {
    clearInterval(this.pruning);
    this.db.close();
  }
}
