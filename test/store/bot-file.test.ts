// The bot's own file carries its layout's version: older files are migrated forward at open, in
// order, once, all or nothing; a file from a newer version is refused and left byte-identical.
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { DiffTable } from "../../src/core/diff-table.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { BOT_FILE_VERSION, MIGRATIONS, openBotFile, type Migration } from "../../src/store/bot-file.js";
import { BotStore, readHeartbeat } from "../../src/store/bot-store.js";
import { fileHash } from "../support/db-inspect.js";
import { tempFolders } from "../support/files.js";

const temp = tempFolders("xui-botfile-");

/** Reads through a connection of its own, as another process would. */
function inspect<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const userVersion = (path: string) => inspect(path, (db) => db.pragma("user_version", { simple: true }) as number);
const auditColumns = (path: string) => inspect(path, (db) => db.prepare("SELECT name FROM pragma_table_info('audit')").pluck().all());

/** A file as the versions before the version number left it: no user_version, the audit table before db_path and db_id. */
function preVersionFile(path: string): void {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec(`
    CREATE TABLE kv (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (scope, key));
    CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, operation TEXT NOT NULL, op TEXT, diffs BLOB NOT NULL, details TEXT, undone_by INTEGER);
    CREATE INDEX audit_actor ON audit (actor, id);
    CREATE TABLE audit_parts (entry_id INTEGER NOT NULL, seq INTEGER NOT NULL, diffs BLOB NOT NULL, PRIMARY KEY (entry_id, seq));`);
  // An entry of that version: its diffs as JSON text, no database identity.
  db.prepare("INSERT INTO audit (at, actor, operation, op, diffs) VALUES (?, 'cli', 'extend', ?, '[]')").run(Date.now(), JSON.stringify({ kind: "extend", days: 30 }));
  db.prepare("INSERT INTO kv VALUES ('conversation', '1001', '{\"v\":1}', ?)").run(Date.now());
  db.close();
}

/** A file one version ahead of this code, as a newer bot would leave it. */
function newerFile(path: string): void {
  const later: Migration = (db) => db.exec("CREATE TABLE notes_from_the_future (id INTEGER PRIMARY KEY)");
  openBotFile(path, [...MIGRATIONS, later]).close();
}

describe("migrating the bot's file forward", () => {
  it("a new file gets every migration and the newest version", () => {
    const path = join(temp(), "bot.db");
    new BotStore(path).close();
    expect(userVersion(path)).toBe(BOT_FILE_VERSION);
    expect(auditColumns(path)).toEqual(["id", "at", "actor", "operation", "op", "diffs", "details", "undone_by", "db_path", "db_id", "clients", "names", "server", "batch"]);
  });

  it("a file from before the version number is migrated at open and keeps its entries and conversations", () => {
    const path = join(temp(), "bot.db");
    preVersionFile(path);
    expect(userVersion(path)).toBe(0);
    const audit = new AuditLog(path);
    expect(audit.latest(10)).toMatchObject([{ actor: "cli", operation: "extend", op: { kind: "extend", days: 30 }, diffs: [] }]);
    const id = audit.record({ actor: "cli", operation: "block", op: { kind: "block" }, diffs: new DiffTable(0), database: { path: "/etc/x-ui/x-ui.db", id: "abc" } });
    audit.close();
    expect(userVersion(path)).toBe(BOT_FILE_VERSION);
    expect(auditColumns(path)).toEqual(["id", "at", "actor", "operation", "op", "diffs", "details", "undone_by", "db_path", "db_id", "clients", "names", "server", "batch"]);
    expect(inspect(path, (db) => db.prepare("SELECT db_path, db_id FROM audit WHERE id = ?").get(id))).toEqual({ db_path: "/etc/x-ui/x-ui.db", db_id: "abc" });
    const store = new BotStore(path);
    expect(store.conversationStorage<{ v: number }>().read("1001")).toEqual({ v: 1 });
    store.close();
  });

  it("applies the migrations a file lacks in order, each once, and none again at the next open", () => {
    const path = join(temp(), "bot.db");
    const ran: number[] = [];
    const step = (n: number): Migration => (db) => {
      ran.push(n);
      db.exec(`CREATE TABLE step_${n} (id INTEGER)`);
    };
    openBotFile(path, [step(1), step(2)]).close();
    expect(ran).toEqual([1, 2]);
    openBotFile(path, [step(1), step(2), step(3), step(4)]).close();
    expect(ran).toEqual([1, 2, 3, 4]);
    openBotFile(path, [step(1), step(2), step(3), step(4)]).close();
    expect(ran).toEqual([1, 2, 3, 4]);
    expect(userVersion(path)).toBe(4);
  });

  it("a migration that fails leaves the file at its version, with nothing of the run applied", () => {
    const path = join(temp(), "bot.db");
    openBotFile(path, MIGRATIONS).close();
    const good: Migration = (db) => db.exec("CREATE TABLE half_done (id INTEGER)");
    const bad: Migration = () => {
      throw new Error("disk full, say");
    };
    expect(() => openBotFile(path, [...MIGRATIONS, good, bad])).toThrow("disk full, say");
    expect(userVersion(path)).toBe(BOT_FILE_VERSION);
    expect(inspect(path, (db) => db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get())).toBeUndefined();
  });
});

describe("a file from a newer version", () => {
  const refusal = new RegExp(`was written by a newer xui-admin-bot \\(file version ${BOT_FILE_VERSION + 1}; this is \\d+\\.\\d+\\.\\d+, which knows up to ${BOT_FILE_VERSION}\\): it is left untouched`);

  it("is refused by the store, the audit log and health alike, and left byte-identical", () => {
    const path = join(temp(), "bot.db");
    newerFile(path);
    const hash = fileHash(path);
    expect(() => new BotStore(path)).toThrow(refusal);
    expect(() => new AuditLog(path)).toThrow(refusal);
    expect(() => readHeartbeat(path)).toThrow(refusal);
    expect(fileHash(path)).toBe(hash);
    expect(userVersion(path)).toBe(BOT_FILE_VERSION + 1);
    expect(inspect(path, (db) => db.prepare("SELECT name FROM sqlite_master WHERE name = 'notes_from_the_future'").pluck().get())).toBe("notes_from_the_future");
  });

  it("in rollback-journal mode is not switched to WAL either", () => {
    const path = join(temp(), "bot.db");
    newerFile(path);
    const db = new Database(path);
    db.pragma("journal_mode = DELETE");
    db.close();
    const hash = fileHash(path);
    expect(() => new BotStore(path)).toThrow(refusal);
    expect(fileHash(path)).toBe(hash);
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(inspect(path, (d) => d.pragma("journal_mode", { simple: true }))).toBe("delete");
  });

  it("makes xui-admin history say so and exit 2", async () => {
    const path = join(temp(), "bot.db");
    newerFile(path);
    const err: string[] = [];
    const code = await runCli(["history"], { out: () => undefined, err: (t) => err.push(t) }, { BOT_DATA_PATH: path });
    expect(code).toBe(2);
    expect(err.join("\n")).toMatch(refusal);
  });
});
