// The usage history: per-client daily totals from counters sampled every few minutes, robust to
// traffic resets, restarts, renames and deletes, pruned after USAGE_KEEP_DAYS; on a real file,
// read back through a fresh connection.
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { BOT_FILE_VERSION, MIGRATIONS } from "../../src/store/bot-file.js";
import { usageHistoryMigration } from "../../src/store/usage-history-migration.js";
import { counterDelta, UsageHistory, type ClientCounters } from "../../src/store/usage-history.js";
import { startUsageSampler } from "../../src/store/usage-sampler.js";
import { tempDir } from "../support/temp-dir.js";

const S = "local";
const MIN = 60_000;
/** Local time, as the days are (TZ): 10 January 2026, 08:00. */
const T0 = new Date(2026, 0, 10, 8, 0).getTime();
const at = (day: number, hour: number, minute = 0) => new Date(2026, 0, day, hour, minute).getTime();

const client = (email: string, up: number, down: number, key = `key-${email}`): ClientCounters => ({ email, key, up, down });

function open(keepDays?: number) {
  const path = join(tempDir("xui-usage"), "bot.db");
  const history = new UsageHistory(path, keepDays === undefined ? {} : { keepDays });
  return { path, history };
}

/** Every daily row, as a fresh connection reads it. */
function rows(path: string): { email: string; day: string; up: number; down: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT email, day, up, down FROM usage_daily ORDER BY email, day").all() as { email: string; day: string; up: number; down: number }[];
  } finally {
    db.close();
  }
}

describe("counterDelta", () => {
  it("is the growth, and after a drop in either counter (a reset) the new values: never negative", () => {
    expect(counterDelta({ up: 10, down: 20 }, { up: 15, down: 50 })).toEqual({ up: 5, down: 30 });
    expect(counterDelta({ up: 10, down: 20 }, { up: 3, down: 25 })).toEqual({ up: 3, down: 25 });
    expect(counterDelta({ up: 10, down: 20 }, { up: 0, down: 0 })).toEqual({ up: 0, down: 0 });
  });
});

describe("UsageHistory", () => {
  it("lives in the bot's file (migration slot 3), brought to the newest version", () => {
    const { path, history } = open();
    history.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(BOT_FILE_VERSION);
    expect(MIGRATIONS[3]).toBe(usageHistoryMigration);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'usage_daily'").pluck().get()).toBe(1);
    db.close();
  });

  it("first sample only notes the counters; later ones add the growth to the day's total", () => {
    const { path, history } = open();
    expect(history.firstDay(S)).toBeUndefined();
    expect(history.sample(S, [client("alice", 1000, 5000), client("bob", 7, 7)], T0).added).toBe(0);
    expect(rows(path)).toEqual([]);
    expect(history.firstDay(S)).toBe("2026-01-10");
    history.sample(S, [client("alice", 1100, 5500), client("bob", 7, 7)], T0 + 15 * MIN);
    history.sample(S, [client("alice", 1300, 6000), client("bob", 10, 7)], T0 + 30 * MIN);
    expect(rows(path)).toEqual([
      { email: "alice", day: "2026-01-10", up: 300, down: 1000 },
      { email: "bob", day: "2026-01-10", up: 3, down: 0 },
    ]);
    // The next day gets its own row; the totals read both.
    history.sample(S, [client("alice", 1400, 6100), client("bob", 10, 7)], at(11, 0, 10));
    expect(history.daily(S, "alice", "2026-01-01")).toEqual([
      { day: "2026-01-10", up: 300, down: 1000 },
      { day: "2026-01-11", up: 100, down: 100 },
    ]);
    expect(history.totalsSince(S, "2026-01-11")).toEqual(new Map([["alice", { up: 100, down: 100 }]]));
    expect(history.totalsSince(S, "2026-01-10").get("alice")).toEqual({ up: 400, down: 1100 });
    history.close();
  });

  it("counts a reset's new usage, never a negative, and keeps counting from the reset", () => {
    const { path, history } = open();
    history.sample(S, [client("alice", 5000, 9000)], T0);
    history.sample(S, [client("alice", 6000, 10_000)], T0 + 15 * MIN); // +1000 +1000
    history.sample(S, [client("alice", 200, 300)], T0 + 30 * MIN); // reset, then 200/300 used
    history.sample(S, [client("alice", 0, 0)], T0 + 45 * MIN); // reset again, nothing used
    history.sample(S, [client("alice", 50, 70)], T0 + 60 * MIN);
    expect(rows(path)).toEqual([{ email: "alice", day: "2026-01-10", up: 1250, down: 1370 }]);
    history.close();
  });

  it("a restart (a new process on the same file) neither loses nor double-counts", () => {
    const { path, history } = open();
    history.sample(S, [client("alice", 100, 100)], T0);
    history.sample(S, [client("alice", 150, 200)], T0 + 15 * MIN);
    history.close();
    const again = new UsageHistory(path);
    // The bot was down an hour: what was used meanwhile is counted once, at the next sample.
    again.sample(S, [client("alice", 400, 400)], T0 + 75 * MIN);
    again.sample(S, [client("alice", 400, 400)], T0 + 90 * MIN);
    expect(rows(path)).toEqual([{ email: "alice", day: "2026-01-10", up: 300, down: 300 }]);
    again.close();
  });

  it("two processes sampling one file at once count every byte once", () => {
    const { path, history } = open();
    const other = new UsageHistory(path);
    history.sample(S, [client("alice", 0, 0)], T0);
    // Overlapping samplers (the bot and `npm run api`), each with the counters it read.
    other.sample(S, [client("alice", 100, 10)], T0 + 1 * MIN);
    history.sample(S, [client("alice", 250, 20)], T0 + 2 * MIN);
    other.sample(S, [client("alice", 250, 20)], T0 + 3 * MIN);
    history.sample(S, [client("alice", 400, 40)], T0 + 4 * MIN);
    expect(rows(path)).toEqual([{ email: "alice", day: "2026-01-10", up: 400, down: 40 }]);
    other.close();
    history.close();
  });

  it("a client added after the first sample counts from zero; one seen twice (2.x drift) once", () => {
    const { path, history } = open();
    history.sample(S, [client("alice", 10, 10)], T0);
    history.sample(S, [client("alice", 10, 10), client("new", 40, 60), client("new", 40, 60)], T0 + 15 * MIN);
    expect(rows(path)).toEqual([{ email: "new", day: "2026-01-10", up: 40, down: 60 }]);
    history.close();
  });

  it("follows a rename by the client's key, and forgets a deleted client's counters but not its days", () => {
    const { path, history } = open();
    history.sample(S, [client("alice", 0, 0, "K1"), client("bob", 0, 0, "K2")], T0);
    history.sample(S, [client("alice", 100, 100, "K1"), client("bob", 5, 5, "K2")], T0 + 15 * MIN);
    // alice is renamed to alicia (same key, same counters, growing); bob is deleted.
    const result = history.sample(S, [client("alicia", 150, 100, "K1")], T0 + 30 * MIN);
    expect(result).toMatchObject({ clients: 1, renamed: 1, gone: 1, added: 50 });
    expect(rows(path)).toEqual([
      { email: "alicia", day: "2026-01-10", up: 150, down: 100 },
      { email: "bob", day: "2026-01-10", up: 5, down: 5 },
    ]);
    // A new client named bob starts from zero: nothing of the old bob's counters carries over.
    history.sample(S, [client("alicia", 150, 100, "K1"), client("bob", 1, 2, "K3")], T0 + 45 * MIN);
    expect(rows(path).find((r) => r.email === "bob")).toEqual({ email: "bob", day: "2026-01-10", up: 6, down: 7 });
    history.close();
  });

  it("keeps USAGE_KEEP_DAYS days: older ones are pruned at the first sample of a day", () => {
    const { path, history } = open(31);
    history.sample(S, [client("alice", 0, 0)], at(1, 8));
    history.sample(S, [client("alice", 100, 0)], at(1, 9)); // 1 January
    history.sample(S, [client("alice", 200, 0)], at(2, 9)); // 2 January
    // 31 days kept on 1 February: 2 January through 1 February; 1 January goes.
    history.sample(S, [client("alice", 300, 0)], new Date(2026, 1, 1, 9).getTime());
    expect(rows(path).map((r) => r.day)).toEqual(["2026-01-02", "2026-02-01"]);
    history.close();
  });

  it("keeps each server apart", () => {
    const { history } = open();
    history.sample("a", [client("alice", 0, 0)], T0);
    history.sample("b", [client("alice", 0, 0)], T0);
    history.sample("a", [client("alice", 10, 0)], T0 + MIN);
    expect(history.totalsSince("a", "2026-01-01").get("alice")).toEqual({ up: 10, down: 0 });
    expect(history.totalsSince("b", "2026-01-01").size).toBe(0);
    history.close();
  });
});

describe("the sampler", () => {
  it("samples at start, on demand with an injected time, reports failures and stops", () => {
    const { path, history } = open();
    let counters = [client("alice", 0, 0)];
    const errors: unknown[] = [];
    let fail = false;
    const sampler = startUsageSampler({
      history,
      server: S,
      read: () => {
        if (fail) throw new Error("database is locked");
        return counters;
      },
      everyMs: 15 * MIN,
      now: () => T0,
      onError: (e) => errors.push(e),
    });
    expect(history.firstDay(S)).toBe("2026-01-10"); // the sample at start
    counters = [client("alice", 70, 30)];
    expect(sampler.sample(T0 + 15 * MIN)?.added).toBe(100);
    fail = true;
    expect(sampler.sample(T0 + 30 * MIN)).toBeUndefined();
    expect(errors).toHaveLength(1);
    sampler.stop();
    expect(rows(path)).toEqual([{ email: "alice", day: "2026-01-10", up: 70, down: 30 }]);
    history.close();
  });
});
