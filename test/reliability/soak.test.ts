// 2000+ mixed operations through the service layer while a stand-in panel writes the same
// file every 100 ms: no lost or double-counted usage, no failed panel tick, no drift. They run
// CONCURRENCY at a time, as parallel chats and API calls do, and bulk ones take backups first.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import type { Operation } from "../../src/core/types.js";
import { XuiService } from "../../src/service/xui-service.js";
import { allRows } from "../support/db-inspect.js";
import { buildXuiDb, rng, tempDbPath, type FixtureClient } from "../support/xui-fixture.js";
import { startPanel } from "./panel.js";

const OPERATIONS = 2000;
const CONCURRENCY = 4;
const now = Date.now();

function clients(prefix: string, n: number): FixtureClient[] {
  return Array.from({ length: n }, (_, i) => ({
    email: `${prefix}${i}`,
    expiryTime: [now + 30 * DAY_MS, now + 2 * DAY_MS, -5 * DAY_MS, 0][i % 4] as number,
    // Every tenth has a tiny limit: the panel keeps switching it off, the operations on again.
    totalBytes: i % 10 === 0 ? 2 * 1024 * 1024 : ([0, 50 * GB, 20 * GB][i % 3] as number),
    up: i % 10 === 0 ? 2_000_000 : i * 1000,
    down: i * 4000,
  }));
}

describe("soak: the service layer beside a writing panel", () => {
  it(`${OPERATIONS} mixed operations lose nothing`, async () => {
    const path = tempDbPath("soak");
    buildXuiDb(path, {
      inbounds: [
        { id: 1, protocol: "vless", clients: clients("v", 150) },
        { id: 2, protocol: "vmess", clients: clients("m", 100) },
        { id: 3, protocol: "trojan", clients: clients("t", 50) },
      ],
    });
    const allTimeBefore = new Map(allRows(path).map((r) => [String(r.email), Number(r.all_time)]));
    const panel = await startPanel(path, 100, 7);
    const service = XuiService.open(path, { backupThreshold: 40, backupDir: `${path}.backups`, backupKeep: 3 });
    const random = rng(11);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
    const emails = () => service.clients().map((c) => c.email);
    let known = emails();
    const ops: Operation[] = [
      { kind: "extend", days: 3 },
      { kind: "block" },
      { kind: "unblock" },
      { kind: "limit", totalBytes: 40 * GB },
      { kind: "reset" },
      { kind: "expiry", expiryTime: now + 60 * DAY_MS },
    ];
    let longestLockMs = 0;
    let created = 0;
    const started = performance.now();
    let backups = 0;
    const one = async () => {
      const roll = random();
      if (roll < 0.03) {
        await service.create({ inboundId: pick([1, 2, 3]), email: `new${created++}`, days: 10, totalBytes: 5 * GB });
        return;
      }
      const selector =
        roll < 0.08 ? { inboundId: pick([1, 2, 3]) } : { refs: Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(known)) };
      const result = await service.apply(pick(ops), selector);
      if (result.backup) backups++;
      longestLockMs = Math.max(longestLockMs, result.longestLockMs);
    };
    for (let i = 0; i < OPERATIONS; i += CONCURRENCY) {
      await Promise.all(Array.from({ length: CONCURRENCY }, one));
      known = emails();
    }
    const elapsed = performance.now() - started;
    const stats = await panel.stop();

    // Every committed tick's usage is in the file, exactly once (reset keeps all_time).
    for (const row of allRows(path)) {
      const email = String(row.email);
      expect(Number(row.all_time), email).toBe((allTimeBefore.get(email) ?? 0) + (stats.committed[email] ?? 0));
    }
    expect(stats.failed, stats.errors.join("; ")).toBe(0);
    expect(stats.ticks).toBeGreaterThan(10);
    expect(backups).toBeGreaterThan(10);
    expect(service.check().findings).toEqual([]);
    // A new connection sees the same: nothing of the result lives only in this process.
    const fresh = XuiService.open(path, { readonly: true });
    expect(fresh.check().findings).toEqual([]);
    expect(fresh.clients().length).toBe(300 + created);
    fresh.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    raw.close();
    console.log(
      `soak: ${OPERATIONS} operations in ${(elapsed / 1000).toFixed(1)} s beside ${stats.ticks} panel ticks ` +
        `(${stats.conversions} delayed-start conversions, ${stats.disabled} clients disabled by the panel); ` +
        `failed ticks ${stats.failed}; longest lock ${longestLockMs.toFixed(1)} ms; longest panel tick ${stats.longestTickMs.toFixed(1)} ms; ` +
        `busy retries ${service.db.busyRetries}; ${backups} backups; ${CONCURRENCY} at a time`,
    );
    service.close();
  }, 180_000);
});
