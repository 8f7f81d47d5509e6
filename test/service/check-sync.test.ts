import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { RowTable } from "../../src/xui/row-table.js";
import { fileHash, jsonClient, rawRow, usage } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath, type FixtureOptions } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const open: XuiService[] = [];

function setup(options: FixtureOptions) {
  const path = tempDbPath();
  buildXuiDb(path, options);
  const service = XuiService.open(path, { now: () => NOW, backupDir: `${path}.backups` });
  open.push(service);
  return { path, service };
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const drifted: FixtureOptions = {
  inbounds: [
    {
      id: 1,
      protocol: "vless",
      clients: [
        { email: "ok", expiryTime: NOW + DAY_MS },
        { email: "exp-drift", expiryTime: NOW + DAY_MS, jsonOverrides: { expiryTime: NOW + 9 * DAY_MS } },
        { email: "total-drift", totalBytes: 10 * GB, jsonOverrides: { totalGB: 5 * GB } },
        { email: "blocked-json", enable: false, active: true },
        { email: "panel-flag", active: false, expiryTime: NOW + DAY_MS },
        { email: "string-tg", tgId: "12345" },
        { email: "empty-tg", tgId: "" },
        { email: "fraction", jsonOverrides: { totalGB: 1.5 } },
        { email: "no-row", noTrafficRow: true, expiryTime: NOW + 2 * DAY_MS },
        { email: "Dup" },
      ],
    },
    { id: 2, protocol: "vmess", clients: [{ email: "dup" }, { email: "moved" }] },
    { id: 3, protocol: "trojan", rawSettings: '{"clients": [ broken' },
  ],
  orphanRows: [
    { email: "ghost", inboundId: 1 },
    { email: "gone-inbound", inboundId: 77 },
  ],
};

describe("check", () => {
  it("lists every kind of drift and never crashes on a broken inbound", () => {
    const { service } = setup(drifted);
    const report = service.check();
    const by = (kind: string) => report.findings.filter((f) => f.kind === kind).map((f) => `${f.email ?? f.inboundId}${f.field ? `.${f.field}` : ""}`);
    expect(by("mismatch").sort()).toEqual(["blocked-json.enable", "exp-drift.expiryTime", "fraction.totalGB", "total-drift.totalGB"]);
    expect(by("missing-row")).toEqual(["no-row"]);
    expect(by("orphan-row").sort()).toEqual(["ghost", "gone-inbound"]);
    // Reported once for the JSON client and once for its row.
    expect(by("duplicate-email")).toEqual(["dup", "dup"]);
    expect(by("bad-type").sort()).toEqual(["empty-tg.tgId", "fraction.totalGB", "string-tg.tgId"]);
    expect(by("bad-settings")).toEqual(["3"]);
    // The panel's own exhausted/expired flag on a client that is valid again: a note, not drift.
    expect(report.notes.map((n) => n.email)).toEqual(["panel-flag"]);
  });

  it("reports a row pointing at the wrong inbound, and sync moves it", async () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "a" }] }, { id: 2, protocol: "vless", clients: [] }] });
    // Point the row elsewhere with a plain connection, as a broken tool would.
    const db = new Database(path);
    db.prepare("UPDATE client_traffics SET inbound_id = 2 WHERE email = 'a'").run();
    db.close();
    const service = XuiService.open(path, { backupDir: `${path}.backups` });
    open.push(service);
    expect(service.check().findings.map((f) => f.kind)).toEqual(["wrong-inbound"]);
    await service.sync();
    expect(rawRow(path, "a")?.inbound_id).toBe(1);
    expect(service.check().findings).toEqual([]);
  });
});

describe("sync", () => {
  it("fixes what it can, leaves the rest named, never turns a client on, and check is clean after", async () => {
    const { path, service } = setup(drifted);
    const usageBefore = usage(path);
    const report = await service.sync();
    expect(report.backup).toMatch(/\.db$/);
    // client_traffics wins by default.
    expect(jsonClient(path, "exp-drift")?.client.expiryTime).toBe(NOW + DAY_MS);
    expect(jsonClient(path, "total-drift")?.client.totalGB).toBe(10 * GB);
    expect(jsonClient(path, "string-tg")?.client.tgId).toBe(12345);
    expect(jsonClient(path, "empty-tg")?.client.tgId).toBe(0);
    // A JSON block clears the row; the panel's flag stays as it is.
    expect(rawRow(path, "blocked-json")?.enable).toBe(0);
    expect(rawRow(path, "panel-flag")?.enable).toBe(0);
    // The missing row is added from the JSON client.
    expect(rawRow(path, "no-row")).toMatchObject({ inbound_id: 1, enable: 1, up: 0, down: 0, all_time: 0, expiry_time: NOW + 2 * DAY_MS });
    // Orphans are reported, not deleted, without --prune.
    expect(rawRow(path, "ghost")).toBeDefined();
    const leftToYou = ["bad-settings", "duplicate-email", "duplicate-email", "orphan-row", "orphan-row"];
    expect(report.unresolved.map((f) => f.kind).sort()).toEqual(leftToYou);
    expect(service.check().findings.map((f) => f.kind).sort()).toEqual(leftToYou);
    expect([...usage(path)].filter(([email]) => email !== "no-row")).toEqual([...usageBefore]);
  });

  it("--from json makes the rows follow the settings", async () => {
    const { path, service } = setup(drifted);
    await service.sync({ from: "json" });
    expect(rawRow(path, "exp-drift")?.expiry_time).toBe(NOW + 9 * DAY_MS);
    expect(rawRow(path, "total-drift")?.total).toBe(5 * GB);
    expect(rawRow(path, "fraction")?.total).toBe(2);
  });

  it("--prune deletes orphan rows; --dry-run writes nothing", async () => {
    const { path, service } = setup(drifted);
    const before = fileHash(path);
    const dry = await service.sync({ dryRun: true, prune: true });
    expect(dry.actions.filter((a) => a.kind === "delete-row").map((a) => a.email).sort()).toEqual(["ghost", "gone-inbound"]);
    expect(fileHash(path)).toBe(before);
    await service.sync({ prune: true });
    expect(rawRow(path, "ghost")).toBeUndefined();
    expect(service.check().findings.filter((f) => f.kind === "orphan-row")).toEqual([]);
  });
});

describe("check's read", () => {
  it("sees inbounds and rows of one moment: a commit between the two reads cannot show as drift", () => {
    const { path, service } = setup({ inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "ok", expiryTime: NOW + DAY_MS }] }] });
    // The panel adds a client, both places in one transaction, right after our inbounds read.
    const panel = new Database(path, { timeout: 0 });
    const addClient = () => {
      const settings = JSON.parse(panel.prepare("SELECT settings FROM inbounds WHERE id = 1").pluck().get() as string) as { clients: object[] };
      settings.clients.push({ email: "late", id: "00000000-0000-4000-8000-000000000001", enable: true, expiryTime: 0, totalGB: 0 });
      panel.transaction(() => {
        panel.prepare("UPDATE inbounds SET settings = ? WHERE id = 1").run(JSON.stringify(settings));
        panel.prepare("INSERT INTO client_traffics (inbound_id, enable, email, up, down, all_time, expiry_time, total) VALUES (1, 1, 'late', 0, 0, 0, 0, 0)").run();
      })();
    };
    let attempted: unknown;
    const read = RowTable.read.bind(RowTable);
    const spy = vi.spyOn(RowTable, "read").mockImplementationOnce((conn, columns) => {
      try {
        addClient();
        attempted = "committed";
      } catch (error) {
        attempted = (error as { code?: string }).code; // our read transaction holds it off
      }
      return read(conn, columns);
    });
    expect(service.check().findings).toEqual([]);
    expect(attempted).toBe("SQLITE_BUSY");
    spy.mockRestore();
    addClient(); // once our read is over, the panel's commit goes through
    expect(service.check().findings).toEqual([]);
    expect(service.get("late")?.hasTrafficRow).toBe(true);
    panel.close();
  });
});
