// The audit log's file: private on disk, and entries kept AUDIT_KEEP_DAYS only (pruned at
// open and once a day in a long-running process).
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChangeRecord } from "../../src/core/types.js";
import { DiffTable } from "../../src/core/diff-table.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { modeOf, tempFolders, UMASKS, withUmask } from "../support/files.js";

const temp = tempFolders("xui-audit-");
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const change: ChangeRecord = { actor: "cli", operation: "sync", op: null, diffs: new DiffTable(0) };

/** What a fresh connection finds in the file. */
function ids(path: string): number[] {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare("SELECT id FROM audit ORDER BY id").pluck().all() as number[];
  db.close();
  return rows;
}

afterEach(() => {
  vi.useRealTimers();
});

describe.each(UMASKS)("the audit log's file with umask %s", (_, mask) => {
  it("is 0600 with its -wal and -shm, in a 0700 folder", async () => {
    const path = join(temp(), "new", "bot.db");
    const log = await withUmask(mask, () => {
      const l = new AuditLog(path);
      l.record(change);
      return l;
    });
    expect([path, `${path}-wal`, `${path}-shm`].map(modeOf)).toEqual([0o600, 0o600, 0o600]);
    expect(modeOf(join(path, ".."))).toBe(0o700);
    log.close();
  });
});

describe("audit retention", () => {
  it("deletes entries older than keepDays when opened", () => {
    const path = join(temp(), "bot.db");
    const writer = new AuditLog(path, { now: () => T0 });
    const old = writer.record(change, T0 - 200 * DAY);
    const edge = writer.record(change, T0 - 179 * DAY);
    const recent = writer.record(change, T0 - DAY);
    writer.close();
    expect(ids(path)).toEqual([old, edge, recent]); // written after the writer pruned at its open
    new AuditLog(path, { keepDays: 180, now: () => T0 }).close();
    expect(ids(path)).toEqual([edge, recent]);
    new AuditLog(path, { keepDays: 30, now: () => T0 }).close();
    expect(ids(path)).toEqual([recent]);
  });

  it("defaults to 180 days", () => {
    const path = join(temp(), "bot.db");
    const writer = new AuditLog(path, { now: () => T0 });
    writer.record(change, T0 - 181 * DAY);
    const kept = writer.record(change, T0 - 179 * DAY);
    writer.close();
    new AuditLog(path, { now: () => T0 }).close();
    expect(ids(path)).toEqual([kept]);
  });

  it("in a long-running process, prunes once a day", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const path = join(temp(), "bot.db");
    let now = T0;
    const log = new AuditLog(path, { keepDays: 10, now: () => now });
    const first = log.record(change); // at T0
    const second = log.record(change, T0 + 5 * DAY);
    const failures: unknown[] = [];
    log.pruneDaily((error) => failures.push(error));
    now = T0 + 10 * DAY + 1; // the first entry is now over 10 days old...
    vi.advanceTimersByTime(DAY - 1);
    expect(ids(path)).toEqual([first, second]); // ...but the daily run has not come yet
    vi.advanceTimersByTime(1);
    expect(ids(path)).toEqual([second]);
    now = T0 + 16 * DAY;
    vi.advanceTimersByTime(DAY);
    expect(ids(path)).toEqual([]);
    // A run that fails (here: the table is out of its place for a moment) is reported, and the
    // next day's run goes ahead.
    log.record(change, now);
    const other = new Database(path);
    other.exec("ALTER TABLE audit RENAME TO audit_aside");
    now += 11 * DAY;
    vi.advanceTimersByTime(DAY);
    expect(failures).toEqual([expect.objectContaining({ message: expect.stringContaining("no such table") })]);
    other.exec("ALTER TABLE audit_aside RENAME TO audit");
    other.close();
    vi.advanceTimersByTime(DAY);
    expect(ids(path)).toEqual([]);
    expect(failures).toHaveLength(1);
    log.close();
    expect(vi.getTimerCount()).toBe(0); // close() stops the daily run
  });
});

describe("history's summaries", () => {
  const state = { enabled: true, active: true, expiryTime: 0, totalBytes: 0, reset: 0, up: 0, down: 0 };
  const diffs = (emails: string[]) => DiffTable.of(emails.map((email) => ({ email, inboundId: 1, before: state, after: { ...state, totalBytes: 1 }, notes: [] })));

  it("count and name the changed clients without reading any diff, across the parts of an entry", () => {
    const path = join(temp(), "bot.db");
    const log = new AuditLog(path);
    const id = log.record({ actor: "cli", operation: "limit", op: { kind: "limit", totalBytes: 1 }, diffs: diffs(["a", "b", "c"]) });
    log.append(id, diffs(["d", "e", "f", "g"]));
    // A diff that could not be decoded any more: summaries do not touch it.
    const raw = new Database(path);
    raw.prepare("UPDATE audit SET diffs = x'00' WHERE id = ?").run(id);
    raw.close();
    expect(log.summaries(5)).toMatchObject([{ id, operation: "limit", clients: 7, names: ["a", "b", "c", "d", "e"] }]);
    expect(() => log.get(id)).toThrow();
    log.close();
  });

  it("of entries written before summaries existed come from their diffs", () => {
    const path = join(temp(), "bot.db");
    const log = new AuditLog(path);
    const id = log.record({ actor: "cli", operation: "limit", op: null, diffs: diffs(["x", "y"]) });
    const raw = new Database(path);
    raw.prepare("UPDATE audit SET clients = NULL, names = NULL WHERE id = ?").run(id);
    raw.close();
    expect(log.summaries(5)).toMatchObject([{ id, clients: 2, names: ["x", "y"] }]);
    log.close();
  });

  it("pruning takes an entry's later parts with it", () => {
    const path = join(temp(), "bot.db");
    let now = T0;
    const log = new AuditLog(path, { keepDays: 1, now: () => now });
    const id = log.record({ actor: "cli", operation: "limit", op: null, diffs: diffs(["x"]) });
    log.append(id, diffs(["y"]));
    now += 2 * DAY;
    expect(log.prune()).toBe(1);
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("SELECT count(*) FROM audit_parts").pluck().get()).toBe(0);
    raw.close();
    log.close();
  });
});
