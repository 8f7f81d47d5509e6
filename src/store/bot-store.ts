// The bot's own SQLite file (never x-ui.db): conversation state, pending confirmations and
// list selections, so that a restart loses nothing an admin was in the middle of; and the
// polling loop's heartbeat, which `xui-admin health` reads.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import type { ClientFilter, Operation } from "../core/types.js";
import { BOT_FILE_VERSION, openBotFile, refuseNewer } from "./bot-file.js";
import { Invitations } from "./invitations.js";

/** An operation waiting for Confirm: exactly the clients the preview showed. */
export interface PendingOp {
  adminId: number;
  op: Operation;
  emails: string[];
  /** For an undo: the audit entry it reverts (planned again, fresh, on Confirm). */
  undoOf?: number;
  /** The preview's message, once sent: /cancel takes its buttons away. */
  message?: { chatId: number; messageId: number };
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

/**
 * How long an item lives after its last change, ms: an older one reads as absent, and its
 * buttons answer "outdated". A preview is confirmed within a day or asked for again (the
 * clients may have changed since); a list an admin pages through lasts a week.
 */
export const TTL_MS: ReadonlyMap<string, number> = new Map([
  ["pending", 86_400_000],
  ["selection", 7 * 86_400_000],
]);

/**
 * The heartbeat is written at most this often, ms: the polling loop gets an answer every few
 * milliseconds under load, and at least every 30 s (Telegram's long poll) when idle.
 */
export const HEARTBEAT_EVERY_MS = 15_000;

/** The polling loop's last sign of life. */
export interface Heartbeat {
  /** When the loop last got an answer from Telegram, or when the bot stopped, ms. */
  at: number;
  /** The bot stopped (SIGINT/SIGTERM) at `at`. */
  stopped: boolean;
}

/** Where the heartbeat lives in kv: a scope with no TTL, so the start-up sweep keeps it. */
const HEARTBEAT = ["health", "polling"] as const;

export class BotStore {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private lastBeat = -Infinity;
  /** One-time invitation links, on the same file and clock. */
  readonly invitations: Invitations;

  /** `now`: the clock, injectable for tests. */
  constructor(path: string, options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    this.db = openBotFile(path); // its tables are made by the file's migrations
    // Reads ignore expired items anyway; this keeps the file from growing with them.
    const sweep = this.db.prepare("DELETE FROM kv WHERE scope = ? AND updated_at < ?");
    for (const [scope, ttl] of TTL_MS) sweep.run(scope, this.now() - ttl);
    this.invitations = new Invitations(this.db, this.now);
  }

  private get<T>(scope: string, key: string): T | undefined {
    const row = this.db.prepare("SELECT value, updated_at AS at FROM kv WHERE scope = ? AND key = ?").get(scope, key) as { value: string; at: number } | undefined;
    if (row === undefined) return undefined;
    const ttl = TTL_MS.get(scope);
    if (ttl !== undefined && row.at < this.now() - ttl) {
      this.remove(scope, key);
      return undefined;
    }
    return JSON.parse(row.value) as T;
  }

  private put(scope: string, key: string, value: unknown): void {
    this.db
      .prepare("INSERT INTO kv (scope, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
      .run(scope, key, JSON.stringify(value), this.now());
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

  /** Notes where the preview of pending operation `id` was sent. */
  attachPendingMessage(id: string, message: { chatId: number; messageId: number }): void {
    const p = this.get<PendingOp>("pending", id);
    if (p) this.put("pending", id, { ...p, message });
  }

  /** Drops every preview `adminId` has open (/cancel); returns them (their messages to settle). */
  dropPending(adminId: number): PendingOp[] {
    const keys = this.db.prepare("SELECT key FROM kv WHERE scope = 'pending'").pluck().all() as string[];
    const dropped: PendingOp[] = [];
    for (const key of keys) {
      const p = this.get<PendingOp>("pending", key);
      if (p?.adminId !== adminId) continue;
      this.remove("pending", key);
      dropped.push(p);
    }
    return dropped;
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

  /** The polling loop got an answer from Telegram (written at most every HEARTBEAT_EVERY_MS). */
  beat(): void {
    if (this.now() - this.lastBeat < HEARTBEAT_EVERY_MS) return;
    this.lastBeat = this.now();
    this.put(...HEARTBEAT, { stopped: false });
  }

  /** The bot stops: health says so at once rather than when the heartbeat has aged. */
  markStopped(): void {
    this.put(...HEARTBEAT, { stopped: true });
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The heartbeat in the bot's file at `path`, read without writing anything (health runs
 * beside the bot); undefined when the bot never polled with this file.
 */
export function readHeartbeat(path: string): Heartbeat | undefined {
  if (!existsSync(path)) return undefined;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    refuseNewer(db, path, BOT_FILE_VERSION);
    // A file only ever opened by xui-admin before the file had a version has no kv table.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get() === undefined) return undefined;
    const row = db.prepare("SELECT value, updated_at AS at FROM kv WHERE scope = ? AND key = ?").get(...HEARTBEAT) as { value: string; at: number } | undefined;
    return row && { at: row.at, stopped: (JSON.parse(row.value) as { stopped: boolean }).stopped };
  } finally {
    db.close();
  }
}
