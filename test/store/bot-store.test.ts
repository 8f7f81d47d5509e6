// The bot's own file: private on disk, and selections and pending confirmations that expire
// by age when read (not only when the bot starts).
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { BotStore, HEARTBEAT_EVERY_MS, readHeartbeat, TTL_MS, type PendingOp, type Selection } from "../../src/store/bot-store.js";
import { fileHash } from "../support/db-inspect.js";
import { modeOf, tempFolders, UMASKS, withUmask } from "../support/files.js";

const temp = tempFolders("xui-store-");
const HOUR = 3_600_000;

const pending: PendingOp = { adminId: 1, op: { kind: "extend", days: 30 }, emails: ["alice", "bob"] };
const selection: Selection = { adminId: 1, title: "all", filter: { kind: "all" }, emails: ["alice"], selected: [0], page: 0 };

/** A store whose clock the test moves. */
function clocked(path: string) {
  let now = Date.UTC(2026, 0, 1);
  const store = new BotStore(path, { now: () => now });
  return { store, advance: (ms: number) => (now += ms) };
}

describe.each(UMASKS)("the bot's file with umask %s", (_, mask) => {
  it("is created 0600 in a 0700 folder, and SQLite's -wal and -shm beside it too", async () => {
    const path = join(temp(), "state", "bot.db");
    const store = await withUmask(mask, () => {
      const s = new BotStore(path);
      s.addPending(pending); // a write: -wal and -shm exist now
      return s;
    });
    expect([path, `${path}-wal`, `${path}-shm`].map(modeOf)).toEqual([0o600, 0o600, 0o600]);
    expect(modeOf(join(path, ".."))).toBe(0o700);
    store.close();
  });

  it("an earlier version's 0644 file and siblings are tightened at open", async () => {
    const path = join(temp(), "bot.db");
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    old.exec("CREATE TABLE kv (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (scope, key))");
    old.close();
    writeFileSync(`${path}-journal`, "", { mode: 0o644 }); // a stray journal, as a crash could leave
    for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`].filter(existsSync)) chmodSync(f, 0o644);
    const store = await withUmask(mask, () => new BotStore(path));
    store.addSelection(selection);
    expect([path, `${path}-wal`, `${path}-shm`, `${path}-journal`].filter(existsSync).map(modeOf)).toEqual([0o600, 0o600, 0o600, 0o600]);
    store.close();
  });
});

describe("expiry by age, on every read", () => {
  it("a pending confirmation older than its TTL reads as nothing, also without a restart", () => {
    const { store, advance } = clocked(join(temp(), "bot.db"));
    const fresh = store.addPending(pending);
    const stale = store.addPending(pending);
    advance((TTL_MS.get("pending") as number) - HOUR);
    expect(store.takePending(fresh, 1)).toEqual(pending);
    advance(2 * HOUR);
    expect(store.takePending(stale, 1)).toBeUndefined();
    store.close();
  });

  it("a selection lives for its TTL after its last change, then reads as nothing", () => {
    const path = join(temp(), "bot.db");
    const { store, advance } = clocked(path);
    const id = store.addSelection(selection);
    const ttl = TTL_MS.get("selection") as number;
    advance(ttl - HOUR);
    store.saveSelection(id, { ...selection, page: 1 }); // a tick or a page turn counts as use
    advance(ttl - HOUR);
    expect(store.selection(id, 1)).toMatchObject({ page: 1 });
    advance(2 * HOUR);
    expect(store.selection(id, 1)).toBeUndefined();
    store.close();
    // Gone from the file, not only hidden.
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("SELECT count(*) FROM kv WHERE scope = 'selection'").pluck().get()).toBe(0);
    raw.close();
  });

  it("conversations do not expire", () => {
    const { store, advance } = clocked(join(temp(), "bot.db"));
    const storage = store.conversationStorage<{ step: number }>();
    storage.write("42", { step: 2 });
    advance(365 * 24 * HOUR);
    expect(storage.read("42")).toEqual({ step: 2 });
    store.close();
  });
});

describe("the polling loop's heartbeat", () => {
  it("is written at most every HEARTBEAT_EVERY_MS, and read by another connection without a write", () => {
    const path = join(temp(), "bot.db");
    const { store, advance } = clocked(path);
    expect(readHeartbeat(path)).toBeUndefined(); // never polled
    store.beat();
    const first = Date.UTC(2026, 0, 1);
    expect(readHeartbeat(path)).toEqual({ at: first, stopped: false });
    advance(HEARTBEAT_EVERY_MS - 1);
    store.beat(); // too soon: not written
    expect(readHeartbeat(path)).toEqual({ at: first, stopped: false });
    advance(1);
    store.beat();
    expect(readHeartbeat(path)).toEqual({ at: first + HEARTBEAT_EVERY_MS, stopped: false });
    const hash = fileHash(path);
    readHeartbeat(path);
    expect(fileHash(path)).toBe(hash);
    store.close();
  });

  it("says when the bot stopped, and survives the start-up sweep of the next bot", () => {
    const path = join(temp(), "bot.db");
    const { store, advance } = clocked(path);
    store.beat();
    advance(5_000);
    store.markStopped();
    store.close();
    expect(readHeartbeat(path)).toEqual({ at: Date.UTC(2026, 0, 1) + 5_000, stopped: true });
    new BotStore(path, { now: () => Date.UTC(2027, 0, 1) }).close();
    expect(readHeartbeat(path)?.stopped).toBe(true);
  });

  it("is absent from a missing file, which is not created", () => {
    const path = join(temp(), "none", "bot.db");
    expect(readHeartbeat(path)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });
});
