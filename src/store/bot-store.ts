// The bot's own SQLite file (never x-ui.db): conversation state, pending confirmations and
// list selections, so that a restart loses nothing an admin was in the middle of.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { ClientFilter, Operation } from "../service/types.js";

/** An operation waiting for Confirm: exactly the clients the preview showed. */
export interface PendingOp {
  adminId: number;
  op: Operation;
  emails: string[];
  /** For an undo: the audit entry it reverts (planned again, fresh, on Confirm). */
  undoOf?: number;
}

/** A list an admin is paging through, with the clients ticked so far. */
export interface Selection {
  adminId: number;
  title: string;
  filter: ClientFilter | { kind: "search"; query: string };
  emails: string[];
  selected: number[];
  page: number;
}

/** Items older than this are gone: their buttons answer "outdated". */
const TTL_MS = 7 * 86_400_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);`;

export class BotStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL"); // our own file: WAL keeps writes cheap
    this.db.exec(SCHEMA);
    this.db.prepare("DELETE FROM kv WHERE scope != 'conversation' AND updated_at < ?").run(Date.now() - TTL_MS);
  }

  private get<T>(scope: string, key: string): T | undefined {
    const row = this.db.prepare("SELECT value FROM kv WHERE scope = ? AND key = ?").pluck().get(scope, key) as string | undefined;
    return row === undefined ? undefined : (JSON.parse(row) as T);
  }

  private put(scope: string, key: string, value: unknown): void {
    this.db
      .prepare("INSERT INTO kv (scope, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
      .run(scope, key, JSON.stringify(value), Date.now());
  }

  private remove(scope: string, key: string): void {
    this.db.prepare("DELETE FROM kv WHERE scope = ? AND key = ?").run(scope, key);
  }

  /** Stores `value` under a short random ID: IDs travel in callback data (64 bytes at most). */
  private add(scope: string, value: unknown): string {
    const id = randomBytes(6).toString("base64url");
    this.put(scope, id, value);
    return id;
  }

  addPending(p: PendingOp): string {
    return this.add("pending", p);
  }

  /** Takes a pending operation out (a Confirm acts once). */
  takePending(id: string, adminId: number): PendingOp | undefined {
    const p = this.get<PendingOp>("pending", id);
    if (!p || p.adminId !== adminId) return undefined;
    this.remove("pending", id);
    return p;
  }

  addSelection(s: Selection): string {
    return this.add("selection", s);
  }

  selection(id: string, adminId: number): Selection | undefined {
    const s = this.get<Selection>("selection", id);
    return s && s.adminId === adminId ? s : undefined;
  }

  saveSelection(id: string, s: Selection): void {
    this.put("selection", id, s);
  }

  /** Storage for @grammyjs/conversations (key -> versioned state). */
  conversationStorage<S>(): { read(key: string): S | undefined; write(key: string, state: S): void; delete(key: string): void } {
    return {
      read: (key) => this.get<S>("conversation", key),
      write: (key, state) => this.put("conversation", key, state),
      delete: (key) => this.remove("conversation", key),
    };
  }

  close(): void {
    this.db.close();
  }
}
