// Several operations of one process in flight at once, as the runner (parallel chats) and the
// API run them: the result must be that of running them one after another in some order.
// Every assertion reads the file through a fresh connection.
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { allRows, jsonClient, rawRow, settingsTexts } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";
import { parseSettings } from "../../src/xui/panel-json.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const open: { close(): void }[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** 40 clients on inbound 1 (so a bulk change takes a backup first) and 10 on inbound 2. */
function setup() {
  const path = tempDbPath();
  const client = (i: number) => ({ email: `c${i}`, expiryTime: NOW + 10 * DAY_MS, totalBytes: 10 * GB });
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: Array.from({ length: 40 }, (_, i) => client(i)) },
      { id: 2, protocol: "vmess", clients: Array.from({ length: 10 }, (_, i) => client(40 + i)) },
    ],
  });
  const backupDir = `${path}.backups`;
  dirs.push(backupDir);
  const audit = new AuditLog(tempDbPath("audit"));
  const service = XuiService.open(path, { now: () => NOW, backupDir, audit, compact: true });
  open.push(service, audit);
  service.clients(); // a warm cache, as a running bot has
  return { path, service, audit };
}

/** Both places of a client, read fresh: the row and the JSON object. */
function both(path: string, email: string) {
  const row = rawRow(path, email);
  const json = jsonClient(path, email)?.client;
  return { row, json };
}

/** Every JSON client agrees with its row, and every row has its JSON client. */
function expectAgreement(path: string): void {
  const rows = new Map(allRows(path).map((r) => [String(r.email), r]));
  let clients = 0;
  for (const text of settingsTexts(path).values()) {
    for (const c of parseSettings(text).clients as Record<string, unknown>[]) {
      clients++;
      const row = rows.get(String(c.email));
      expect(row, String(c.email)).toBeDefined();
      expect([c.email, c.expiryTime, c.totalGB]).toEqual([row?.email, row?.expiry_time, row?.total]);
    }
  }
  expect(clients).toBe(rows.size);
}

describe("overlapping operations in one process", () => {
  it("two extends of one client issued together both count", async () => {
    const { path, service, audit } = setup();
    const results = await Promise.all([
      service.apply({ kind: "extend", days: 30 }, { refs: ["c1"] }, { actor: "1" }),
      service.apply({ kind: "extend", days: 7 }, { refs: ["c1"] }, { actor: "2" }),
    ]);
    const { row, json } = both(path, "c1");
    expect(row?.expiry_time).toBe(NOW + 47 * DAY_MS);
    expect(json?.expiryTime).toBe(NOW + 47 * DAY_MS);
    // Each reports what it did on top of the other: one of them saw the other's result.
    const befores = results.map((r) => ((r.changed[0]?.before?.expiryTime ?? 0) - NOW) / DAY_MS);
    expect([[10, 40], [17, 10]]).toContainEqual(befores); // +30 first, or +7 first
    expect(audit.latest(10)).toHaveLength(2);
  });

  it("a bulk block waiting for its backup and an extend of one of its clients", async () => {
    const { path, service } = setup();
    const block = service.apply({ kind: "block" }, { inboundId: 1 }, { actor: "1" });
    const extend = service.apply({ kind: "extend", days: 7 }, { refs: ["c3"] }, { actor: "2" });
    const [blocked] = await Promise.all([block, extend]);
    expect(blocked.backup).toBeDefined();
    const { row, json } = both(path, "c3");
    expect(row?.expiry_time).toBe(NOW + 17 * DAY_MS);
    expect(json?.expiryTime).toBe(NOW + 17 * DAY_MS);
    expect(json?.enable).toBe(false);
    expect(row?.enable).toBe(0);
    expectAgreement(path);
  });

  it("a client created while a bulk block runs on its inbound stays in both places", async () => {
    const { path, service } = setup();
    const block = service.apply({ kind: "block" }, { inboundId: 1 }, { actor: "1" });
    const create = service.create({ inboundId: 1, email: "fresh", days: 5 }, { actor: "2" });
    await Promise.all([block, create]);
    const { row, json } = both(path, "fresh");
    expect(row).toBeDefined();
    expect(json).toBeDefined();
    expect(json?.expiryTime).toBe(row?.expiry_time);
    expectAgreement(path);
  });

  it("check in the same process sees what a fresh process sees", async () => {
    const { path, service } = setup();
    await Promise.all([
      service.apply({ kind: "block" }, { inboundId: 1 }),
      service.apply({ kind: "extend", days: 3 }, { refs: ["c2", "c41"] }),
      service.create({ inboundId: 1, email: "fresh" }),
    ]);
    const fresh = XuiService.open(path, { now: () => NOW });
    open.push(fresh);
    expect(service.check().findings).toEqual([]);
    expect(fresh.check().findings).toEqual([]);
    expect(service.clients().map((c) => [c.email, c.enabled, c.expiryTime])).toEqual(fresh.clients().map((c) => [c.email, c.enabled, c.expiryTime]));
  });

  it("many operations of every kind at once give the serial result", async () => {
    const { path, service, audit } = setup();
    await service.apply({ kind: "limit", totalBytes: 20 * GB }, { refs: ["c45"] }, { actor: "9" });
    const toUndo = audit.latest(1)[0];
    const jobs: Promise<unknown>[] = [];
    // Extends commute on clients that are not expired: their sum is the result in any order.
    for (let i = 0; i < 20; i++) jobs.push(service.apply({ kind: "extend", days: 1 + (i % 3) }, { refs: [`c${i % 5}`] }, { actor: "1" }));
    jobs.push(service.apply({ kind: "extend", days: 2 }, { inboundId: 2 }, { actor: "2" }));
    jobs.push(service.apply({ kind: "limit", totalBytes: 5 * GB }, { refs: ["c10", "c11"] }, { actor: "3" }));
    jobs.push(service.apply({ kind: "block" }, { refs: ["c12", "c13", "c14"] }, { actor: "4" }));
    jobs.push(service.apply({ kind: "expiry", expiryTime: NOW + 100 * DAY_MS }, { refs: ["c20"] }, { actor: "5" }));
    jobs.push(service.apply({ kind: "reset", totalBytes: 50 * GB }, { refs: ["c21"] }, { actor: "6" }));
    for (let i = 0; i < 5; i++) jobs.push(service.create({ inboundId: 1 + (i % 2), email: `new${i}`, days: 3 }, { actor: "7" }));
    jobs.push(service.undo(toUndo!, { actor: "9" }));
    jobs.push(service.sync({ actor: "8" }));
    jobs.push(service.apply({ kind: "block" }, { all: true }, { dryRun: true }));
    // Edits and deletes beside them: a rename and a delete move clients (no patched snapshot).
    jobs.push(service.edit({ refs: ["c30"] }, { email: "c30-renamed" }, { actor: "10" }));
    jobs.push(service.edit({ refs: ["c31"] }, { tgId: 777 }, { actor: "10" }));
    jobs.push(service.delete({ refs: ["c32"] }, { actor: "10" }));
    for (let i = 0; i < 3; i++) jobs.push(Promise.resolve().then(() => service.get(`c${i}`)));
    const results = await Promise.allSettled(jobs);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);

    const extendedBy = [0, 0, 0, 0, 0];
    for (let i = 0; i < 20; i++) extendedBy[i % 5] = (extendedBy[i % 5] as number) + 1 + (i % 3);
    extendedBy.forEach((days, k) => expect(both(path, `c${k}`).row?.expiry_time).toBe(NOW + (10 + days) * DAY_MS));
    for (let k = 40; k < 50; k++) expect(both(path, `c${k}`).json?.expiryTime).toBe(NOW + 12 * DAY_MS);
    expect([both(path, "c10").row?.total, both(path, "c11").json?.totalGB]).toEqual([5 * GB, 5 * GB]);
    for (const e of ["c12", "c13", "c14"]) expect([both(path, e).row?.enable, both(path, e).json?.enable]).toEqual([0, false]);
    expect(both(path, "c20").row?.expiry_time).toBe(NOW + 100 * DAY_MS);
    expect(both(path, "c21").json?.totalGB).toBe(50 * GB);
    expect(both(path, "c45").row?.total).toBe(10 * GB); // the undone limit
    for (let i = 0; i < 5; i++) expect(both(path, `new${i}`).row?.expiry_time).toBe(NOW + 3 * DAY_MS);
    expect([both(path, "c30").row, both(path, "c30-renamed").row?.expiry_time]).toEqual([undefined, NOW + 10 * DAY_MS]);
    expect(both(path, "c31").json?.tgId).toBe(777);
    expect(both(path, "c32")).toEqual({ row: undefined, json: undefined });
    expectAgreement(path);
    expect(service.check().findings).toEqual([]);
    // The long-running service shows what a fresh process reads.
    const fresh = XuiService.open(path, { now: () => NOW, readonly: true });
    open.push(fresh);
    expect(service.clients()).toEqual(fresh.clients());
  });
});
