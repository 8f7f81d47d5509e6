// Undo returns exactly: every field of both places of every touched client as it was before,
// usage aside; and it never reverts a change someone made since.
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { formatSettings, type JsonObject } from "../../src/xui/panel-json.js";
import { operationAt } from "../support/arbitraries.js";
import { jsonClient, rawRow } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath, type FixtureClient } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const EMAILS = ["a", "b", "c", "d", "e", "f", "g", "h"];
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

/** What undo must put back: the row's fields and the JSON client's exact bytes (usage aside). */
function exactState(path: string, email: string) {
  const row = rawRow(path, email) as Record<string, unknown>;
  const json = jsonClient(path, email)?.client as JsonObject;
  return { enable: row.enable, expiry: row.expiry_time, total: row.total, reset: row.reset, json: formatSettings(json) };
}

const client = (email: string, i: number): FixtureClient => ({
  email,
  // Never, long expired (the panel's flag still on), expired, valid, delayed start.
  expiryTime: [0, NOW - 1394 * DAY_MS, NOW - 3 * DAY_MS, NOW + 5 * DAY_MS, -7 * DAY_MS][i % 5],
  totalBytes: [0, 10 * GB, 50 * GB][i % 3],
  up: i * GB,
  down: 2 * i * GB,
  active: i % 3 !== 1,
  enable: i !== 5,
  reset: i % 4 === 0 ? 30 : 0,
  jsonOverrides: i % 2 === 0 ? { updated_at: NOW - i * DAY_MS } : {},
  omitKeys: i === 7 ? ["updated_at"] : [],
});

function setup(now: () => number = () => NOW) {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: EMAILS.slice(0, 4).map(client) },
      { id: 2, protocol: "trojan", clients: EMAILS.slice(4).map((e, i) => client(e, i + 4)) },
    ],
  });
  const audit = new AuditLog(tempDbPath("audit"));
  const service = XuiService.open(path, { now, audit, backupDir: `${path}.backups` });
  open.push(service, audit);
  return { path, audit, service };
}

describe("undo", () => {
  it("of any operation leaves every touched client exactly as before, usage aside", async () => {
    const step = fc.record({ op: operationAt(NOW), targets: fc.subarray(EMAILS, { minLength: 1 }) });
    await fc.assert(
      fc.asyncProperty(step, async ({ op, targets }) => {
        const { path, audit, service } = setup();
        const before = new Map(EMAILS.map((e) => [e, exactState(path, e)]));
        const findings = service.check().findings;
        const result = await service.apply(op, { refs: targets }, { actor: "1" });
        if (result.auditId === undefined) return; // nothing changed: nothing to undo
        const undo = await service.undo(audit.get(result.auditId)!, { actor: "1" });
        expect(undo.skipped).toEqual([]);
        for (const e of EMAILS) expect(exactState(path, e), e).toEqual(before.get(e));
        expect(service.check().findings).toEqual(findings);
        service.close();
        audit.close();
      }),
      { numRuns: 60 },
    );
  });

  it("of an extension of a long-expired client keeps the panel's flag as it was", async () => {
    const { path, audit, service } = setup();
    expect(rawRow(path, "b")?.enable).toBe(0);
    expect(rawRow(path, "g")?.enable).toBe(1); // expired 1394 days ago, flag still on
    const before = exactState(path, "g");
    await service.apply({ kind: "extend", days: 3 }, { refs: ["g"] }, { actor: "1" });
    await service.undo(audit.latest(1)[0]!, { actor: "1" });
    expect(exactState(path, "g")).toEqual(before);
  });

  it("restores only the fields the change wrote, and skips a client whose fields moved since", async () => {
    let clock = NOW;
    const { path, audit, service } = setup(() => (clock += 1000));
    await service.apply({ kind: "extend", days: 10 }, { refs: ["d", "h"] }, { actor: "1" });
    const entry = audit.latest(1)[0]!;
    await service.apply({ kind: "limit", totalBytes: 77 * GB }, { refs: ["d"] }, { actor: "2" });
    await service.apply({ kind: "extend", days: 1 }, { refs: ["h"] }, { actor: "2" });
    const undo = await service.undo(entry, { actor: "1" });
    expect(undo.skipped).toEqual(["h"]);
    expect(rawRow(path, "d")).toMatchObject({ total: 77 * GB, expiry_time: NOW + 5 * DAY_MS });
    expect(jsonClient(path, "d")?.client).toMatchObject({ totalGB: 77 * GB, expiryTime: NOW + 5 * DAY_MS });
    // d was written since (the limit): its updated_at is the undo's, not the one from before.
    expect(jsonClient(path, "d")?.client.updated_at).toBe(clock);
  });

  it("refuses an entry recorded against another database, and says so", async () => {
    const first = setup();
    await first.service.apply({ kind: "block" }, { refs: ["a"] }, { actor: "1" });
    const entry = first.audit.latest(1)[0]!;
    const other = setup();
    const db = new Database(other.path);
    db.prepare("INSERT INTO settings (key, value) VALUES ('secret', 'another-panel')").run();
    db.close();
    const fresh = XuiService.open(other.path, { now: () => NOW });
    open.push(fresh);
    await expect(fresh.undo(entry)).rejects.toMatchObject({ code: "wrong-database" });
    expect(rawRow(other.path, "a")?.enable).toBe(1);
    expect(entry.database?.path).toBe(first.path);
  });

  it("passes over entries it cannot undo and reaches earlier ones", async () => {
    const { audit, service } = setup();
    await service.apply({ kind: "limit", totalBytes: 3 * GB }, { refs: ["a"] }, { actor: "1" });
    await service.apply({ kind: "limit", totalBytes: 4 * GB }, { refs: ["c"] }, { actor: "1" });
    await service.apply({ kind: "limit", totalBytes: 9 * GB }, { refs: ["c"] }, { actor: "2" }); // c moved on
    const found = service.firstUndoable(audit.undoable("1", 10));
    expect(found?.entry.op).toEqual({ kind: "limit", totalBytes: 3 * GB });
    expect(Object.keys(found?.plan.op.clients ?? {})).toEqual(["a"]);
  });
});
