// One connection to x-ui.db while the panel is running and writing the same file every 10 s.
// better-sqlite3 is synchronous: a lock wait inside SQLite freezes the event loop, so each
// attempt waits only a few milliseconds in SQLite and the retries happen asynchronously.
import { createHash } from "node:crypto";
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Mutex } from "async-mutex";
import Database from "better-sqlite3";
import type { ErrorDetail } from "../core/error-detail.js";
import { XuiError } from "../core/errors.js";
import { detectSchema, type Schema } from "./schema.js";

export interface XuiDbOptions {
  /** Open without write access whatever the layout. */
  readonly?: boolean;
  /**
   * Keep write access to a file whose clients this tool must not edit (3x-ui 3.x), for the one
   * write allowed there: writeApiToken. write() still refuses it.
   */
  apiTokenWrite?: boolean;
  /** How long a write keeps retrying a locked database before giving up, ms. */
  busyBudgetMs?: number;
  /** How long one attempt lets SQLite wait for a lock (blocks the event loop), ms. */
  lockWaitMs?: number;
}

/** How long a read waits for a committing writer, ms (never longer than the write budget). */
const READ_WAIT_MS = 2000;

export interface WriteStats {
  lockMs: number;
  busyRetries: number;
  /** changeToken() as it stands right after this commit (see changeToken). */
  tokenAfter: string;
}

/**
 * One writer at a time per database file in this process: the bot's chats, the API and undo
 * share a file, and an operation plans from what it read before it commits. Keyed by the real
 * path, so two handles on one file share one lock.
 */
const writers = new Map<string, Mutex>();

function writerLock(path: string): Mutex {
  let key = path;
  try {
    key = realpathSync(path);
  } catch {
    // not there (yet): the path as given
  }
  let lock = writers.get(key);
  if (!lock) writers.set(key, (lock = new Mutex()));
  return lock;
}

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || code === "SQLITE_BUSY_SNAPSHOT";
}

/**
 * Why this user cannot write the file, or null. SQLite opens a file it may not write without a
 * word, read-only, and fails only at the first write: ask the OS. Its journal goes beside it,
 * so the folder counts too (in WAL mode, unless the -wal and -shm files are there to write).
 */
function unwritable(path: string, journalMode: string): string | null {
  const canWrite = (p: string) => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (!canWrite(path)) return `${path} is not writable for this user`;
  if (journalMode === "wal" && canWrite(`${path}-wal`) && canWrite(`${path}-shm`)) return null;
  return canWrite(dirname(path)) ? null : `${path} is not writable for this user: SQLite keeps its journal in ${dirname(path)}, which is not`;
}

export class XuiDb {
  private conn!: Database.Database;
  private inode = 0;
  schema!: Schema;
  /** Counts every busy retry since open, for reports and benchmarks. */
  busyRetries = 0;
  /** Bumped on every reopen, so caches keyed on the connection can tell. */
  generation = 0;
  /** Our own commits: SQLite's data_version does not count commits made on this connection. */
  private commits = 0;
  /** Why this user cannot write the file at all, whatever its layout; null when it can. */
  private permissionReason: string | null = null;
  /** Why the file's layout is not one this tool edits (detectSchema), or null. */
  private layoutReason: string | null = null;
  private readonly lock: Mutex;
  /**
   * The pragmas every read runs, prepared once per connection: `pragma()` prepares a statement
   * on each call, and a read ran three (in the API's throughput run ~430 ms of ~4.8 s busy,
   * the most of any function; prepared, ~16 instead of ~38 µs a read).
   */
  private pragmas!: { readWait: Database.Statement; lockWait: Database.Statement; dataVersion: Database.Statement };

  private constructor(
    readonly path: string,
    private readonly options: Required<XuiDbOptions>,
  ) {
    this.lock = writerLock(path);
  }

  static open(path: string, options: XuiDbOptions = {}): XuiDb {
    const db = new XuiDb(path, {
      readonly: options.readonly ?? false,
      apiTokenWrite: options.apiTokenWrite ?? false,
      busyBudgetMs: options.busyBudgetMs ?? 10_000,
      lockWaitMs: options.lockWaitMs ?? 20,
    });
    db.connect();
    return db;
  }

  private connect(): void {
    let stat;
    try {
      stat = statSync(this.path);
    } catch {
      throw new XuiError("read-only", `cannot open ${this.path}: no such file`, [this.path], undefined, { kind: "read-only", path: this.path, why: "no-file" });
    }
    this.inode = stat.ino;
    const open = (readonly: boolean) =>
      new Database(this.path, { readonly, fileMustExist: true, timeout: this.options.lockWaitMs });
    let conn: Database.Database;
    let permissionReason: string | null = null;
    try {
      conn = open(this.options.readonly);
    } catch (error) {
      // A file we may read but not write: serve reads, refuse writes with the reason.
      conn = open(true);
      permissionReason = `${this.path} is not writable for this user (${(error as Error).message})`;
    }
    try {
      conn.prepare("SELECT count(*) FROM sqlite_master").get();
    } catch (error) {
      conn.close();
      // Held exclusively right now (an import, a VACUUM): a readable file, just not this moment.
      if (isBusy(error)) throw new XuiError("busy", `${this.path} is locked by another program (the panel importing a database, a stuck tool); try again shortly`, [this.path]);
      const said = (error as Error).message;
      throw new XuiError("read-only", `${this.path} is not a readable SQLite database: ${said}`, [this.path], undefined, { kind: "read-only", path: this.path, why: "not-sqlite", said });
    }
    // better-sqlite3 enforces foreign keys by default; the panel does not, and real files hold
    // rows whose inbound was deleted.
    conn.pragma("foreign_keys = OFF");
    const schema = detectSchema(conn);
    if (!this.options.readonly && !conn.readonly && schema.readOnlyReason && !this.options.apiTokenWrite) {
      // Never hold a writable handle on a file we refuse to edit (but for its one API token).
      conn.close();
      conn = open(true);
    }
    this.conn = conn;
    this.pragmas = {
      readWait: conn.prepare(`PRAGMA busy_timeout = ${Math.min(READ_WAIT_MS, this.options.busyBudgetMs)}`),
      lockWait: conn.prepare(`PRAGMA busy_timeout = ${this.options.lockWaitMs}`),
      dataVersion: conn.prepare("PRAGMA data_version").pluck(),
    };
    if (permissionReason === null && !this.options.readonly) permissionReason = unwritable(this.path, schema.journalMode);
    this.permissionReason = permissionReason;
    this.layoutReason = schema.readOnlyReason;
    this.schema = { ...schema, readOnlyReason: schema.readOnlyReason ?? permissionReason };
    this.generation++;
  }

  /** The panel's "import database" replaces the file by rename: follow it. */
  private reopenIfReplaced(): void {
    let ino: number;
    try {
      ino = statSync(this.path).ino;
    } catch {
      return; // mid-rename: keep the old handle for now
    }
    if (ino !== this.inode) {
      this.conn.close();
      this.connect();
    }
  }

  /** Why writes are refused, or null when they are allowed. */
  get refusal(): string | null {
    return this.schema.readOnlyReason ?? (this.options.readonly ? "opened read-only" : null);
  }

  get writable(): boolean {
    return this.refusal === null;
  }

  /** The error a write meets on a file it may not change: `refusal`, and its kind as data. */
  writeRefusal(subjects: string[] = []): XuiError {
    const path = this.path;
    const detail: ErrorDetail =
      this.layoutReason !== null
        ? this.schema.family === "3x-ui-3"
          ? { kind: "read-only", path, why: "v3-no-api" }
          : { kind: "read-only", path, why: "layout", said: this.layoutReason }
        : { kind: "read-only", path, why: this.permissionReason !== null ? "not-writable" : "opened-read-only" };
    return new XuiError("read-only", `refusing to write ${path}: ${this.refusal}`, subjects, undefined, detail);
  }

  /**
   * A token that changes whenever anyone (the panel, another tool, or this connection)
   * committed since it was last taken. Equal tokens before a read and inside a later write
   * lock mean nothing the read saw can have moved, so the write may skip re-verifying it.
   */
  changeToken(): string {
    return this.tokenOf(this.pragmas.dataVersion.get());
  }

  /** The token for SQLite's data_version `version` (with this connection's generation and commits now). */
  private tokenOf(version: unknown): string {
    return `${this.generation}:${String(version)}:${this.commits}`;
  }

  /**
   * Runs `fn` as this process's only writer of the file: plan-and-commit steps of different
   * operations never interleave. Reads do not wait for it.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.runExclusive(fn);
  }

  /**
   * A read outside any explicit transaction (autocommit: never keeps a read lock open). A
   * writer blocks readers only while it commits (milliseconds), so a read may wait longer
   * than a write attempt does.
   */
  read<T>(fn: (conn: Database.Database) => T): T {
    this.reopenIfReplaced();
    this.pragmas.readWait.get();
    try {
      return fn(this.conn);
    } catch (error) {
      // Someone holds the file exclusively (an import, a VACUUM, a stuck tool): say so plainly.
      if (isBusy(error)) {
        throw new XuiError("busy", "the database is locked (the panel or another tool is writing); nothing was changed, try again shortly", [this.path]);
      }
      throw error;
    } finally {
      this.pragmas.lockWait.get();
    }
  }

  /** Whether the file can be read right now and written at all, for health checks. */
  state(): "ok" | "busy" | "read-only" {
    try {
      // data_version needs SQLite's shared lock, which a writer withholds only while it
      // commits (the read waits that out) or while it holds the file exclusively (then: busy).
      this.read(() => this.changeToken());
    } catch (error) {
      if (error instanceof XuiError && error.code === "busy") return "busy";
      throw error;
    }
    return this.writable ? "ok" : "read-only";
  }

  /**
   * Runs `fn` inside one BEGIN IMMEDIATE transaction. `fn` must be synchronous and short:
   * the panel's writers wait for it. Busy errors before the first write are retried with
   * backoff until the budget runs out; then a clear error, with nothing written.
   */
  async write<T>(fn: (conn: Database.Database) => T): Promise<{ value: T } & WriteStats> {
    if (!this.writable) {
      throw this.writeRefusal([this.path]);
    }
    return this.transaction(fn);
  }

  /**
   * The one write this project makes into a file whose clients it must not edit (3x-ui 3.x):
   * a new api_tokens row (xui/v3/api-token.ts), so that the panel's own HTTP API can be used.
   * Only on a handle opened with `apiTokenWrite`; `fn` runs like write()'s, and is rolled back
   * unless its one change was a new api_tokens row.
   */
  async writeApiToken<T>(fn: (conn: Database.Database) => T): Promise<{ value: T } & WriteStats> {
    const refusal = !this.options.apiTokenWrite || this.options.readonly ? "not opened for an API token" : this.permissionReason;
    if (refusal !== null) throw new XuiError("read-only", `refusing to write ${this.path}: ${refusal}`, [this.path]);
    return this.transaction((conn) => {
      const count = () => conn.prepare("SELECT total_changes(), (SELECT count(*) FROM api_tokens)").raw().get() as [number, number];
      const [changes, tokens] = count();
      const value = fn(conn);
      const [changesAfter, tokensAfter] = count();
      if (changesAfter !== changes + 1 || tokensAfter !== tokens + 1) throw new Error("an API token write may only add one api_tokens row; rolled back");
      return value;
    });
  }

  private async transaction<T>(fn: (conn: Database.Database) => T): Promise<{ value: T } & WriteStats> {
    this.reopenIfReplaced();
    const deadline = Date.now() + this.options.busyBudgetMs;
    let delay = 5;
    let retries = 0;
    for (;;) {
      try {
        const started = performance.now();
        this.conn.exec("BEGIN IMMEDIATE");
        try {
          const value = fn(this.conn);
          // Nobody else can commit while we hold the write lock: the token taken now, with our
          // commit counted, is the token right after COMMIT unless someone commits after us.
          const version: unknown = this.pragmas.dataVersion.get();
          this.commit();
          this.commits++;
          const tokenAfter = this.tokenOf(version);
          return { value, lockMs: performance.now() - started, busyRetries: retries, tokenAfter };
        } catch (error) {
          if (this.conn.inTransaction) this.conn.exec("ROLLBACK");
          throw error;
        }
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() >= deadline) {
          throw new XuiError(
            "busy",
            `the database stayed locked for ${this.options.busyBudgetMs} ms (the panel or another tool is writing); nothing was changed`,
            [this.path],
          );
        }
        retries++;
        this.busyRetries++;
        await sleep(delay);
        delay = Math.min(delay * 2, 200);
      }
    }
  }

  /** COMMIT in rollback-journal mode waits for readers to leave; retry briefly, in place. */
  private commit(): void {
    for (let attempt = 0; ; attempt++) {
      try {
        this.conn.exec("COMMIT");
        return;
      } catch (error) {
        if (!isBusy(error) || attempt >= 50) throw error;
      }
    }
  }

  /**
   * A name for this database that survives moving or copying the file: a hash of the panel's
   * own random session secret (never the secret itself), else of its inbound tags. Audit
   * entries carry it so an undo can refuse another server's database.
   */
  identity(): string {
    const seed = this.read((conn) => {
      const has = (table: string) => conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
      const secret = has("settings") ? conn.prepare("SELECT value FROM settings WHERE key = 'secret'").pluck().get() : undefined;
      if (typeof secret === "string" && secret !== "") return `secret:${secret}`;
      const tags = has("inbounds") && this.schema.inboundColumns.has("tag") ? conn.prepare("SELECT tag FROM inbounds ORDER BY tag").pluck().all() : [];
      return tags.length > 0 ? `tags:${tags.join("\n")}` : `path:${this.path}`;
    });
    return createHash("sha256").update(`xui-admin-bot:${seed}`).digest("hex").slice(0, 16);
  }

  close(): void {
    this.conn.close();
  }
}
