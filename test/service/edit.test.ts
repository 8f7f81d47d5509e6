// Edit changes a client's own fields in both places (a new email everywhere the panel keys by
// it), refuses what the panel would not take, and its undo puts every field back exactly.
import { afterEach, describe, expect, it } from "vitest";
import { PanelApi } from "../../src/panel/panel-api.js";
import type { ClientEdit } from "../../src/core/types.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { clientTables, fileHash, ipsRow, jsonClient, rawRow } from "../support/db-inspect.js";
import { runPanel3 } from "../support/panel3/harness.js";
import { disagreements } from "../support/xui3-agreement.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { buildXuiDb, tempDbPath, type FixtureClient } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const REALITY = { network: "tcp", security: "reality", realitySettings: { show: false } };
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

const alice: FixtureClient = {
  email: "alice",
  tgId: "100001", // as real files hold it
  limitIp: 2,
  comment: "old <note>",
  expiryTime: NOW + 9 * DAY_MS,
  totalBytes: 50 * GB,
  up: GB,
  down: 2 * GB,
  ips: '["1.2.3.4"]',
  jsonOverrides: { flow: "xtls-rprx-vision", updated_at: 1_750_000_000_000 },
};

function setup() {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: [alice, { email: "bob" }], streamSettings: REALITY },
      { id: 2, protocol: "vless", clients: [{ email: "wsuser" }], streamSettings: { network: "ws", security: "tls" } },
      { id: 3, protocol: "vmess", clients: [{ email: "Carol" }] },
    ],
    orphanRows: [{ email: "ghost-row", inboundId: 1 }],
  });
  let clock = NOW;
  const audit = new AuditLog(tempDbPath("audit"));
  const service = XuiService.open(path, { now: () => (clock += 1000), audit, backupDir: `${path}.backups` });
  open.push(service, audit);
  return { path, audit, service };
}

describe("edit", () => {
  // [what, the edit, the JSON client after, its row after, the diff's own fields (state fields show in before/after)]
  it.each<[string, ClientEdit, Record<string, unknown>, Record<string, unknown>, unknown]>([
    ["tgId", { tgId: 777 }, { tgId: 777 }, {}, { tgId: { before: "100001", after: 777 } }],
    ["no tgId", { tgId: 0 }, { tgId: 0 }, {}, { tgId: { before: "100001", after: 0 } }],
    ["limitIp", { limitIp: 5 }, { limitIp: 5 }, {}, { limitIp: { before: 2, after: 5 } }],
    ["comment", { comment: "vip & friend" }, { comment: "vip & friend" }, {}, { comment: { before: "old <note>", after: "vip & friend" } }],
    ["flow", { flow: "" }, { flow: "" }, {}, { flow: { before: "xtls-rprx-vision", after: "" } }],
    ["reset", { reset: 30 }, { reset: 30 }, { reset: 30 }, undefined],
    ["delayed start", { delayedStartDays: 10 }, { expiryTime: -10 * DAY_MS }, { expiry_time: -10 * DAY_MS, enable: 1 }, undefined],
  ])("of %s writes both places, shows before and after, and undo puts it back exactly", async (_, changes, json, row, fields) => {
    const { path, audit, service } = setup();
    const before = clientTables(path);
    const findings = service.check().findings.filter((f) => f.kind !== "bad-type");
    const result = await service.edit({ refs: ["alice"] }, changes, { actor: "1" });
    expect(result.changed).toHaveLength(1);
    expect(result.changed[0]?.fields).toEqual(fields);
    expect(jsonClient(path, "alice")?.client).toMatchObject(json);
    expect(jsonClient(path, "alice")?.client.updated_at).toBeGreaterThan(NOW);
    expect(rawRow(path, "alice")).toMatchObject({ up: GB, down: 2 * GB, ...row });
    expect(service.check().findings.filter((f) => f.kind !== "bad-type")).toEqual(findings); // both places agree
    const undo = await service.undo(audit.get(result.auditId!)!, { actor: "1" });
    expect(undo.skipped).toEqual([]);
    expect(clientTables(path)).toEqual(before);
  });

  it("undo leaves a field someone changed since alone, and names the client", async () => {
    const { audit, service } = setup();
    const result = await service.edit({ refs: ["alice"] }, { comment: "mine" }, { actor: "1" });
    await service.edit({ refs: ["alice"] }, { comment: "theirs" }, { actor: "2" });
    const undo = await service.undo(audit.get(result.auditId!)!, { actor: "1" });
    expect(undo).toMatchObject({ result: null, skipped: ["alice"] });
    expect(service.get("alice")?.comment).toBe("theirs");
  });

  it("a new email goes everywhere the panel keys by it, and undo renames it back", async () => {
    const { path, audit, service } = setup();
    const before = clientTables(path);
    const result = await service.edit({ refs: ["alice"] }, { email: "alicia" }, { actor: "1" });
    expect(result.changed[0]).toMatchObject({ email: "alice", fields: { email: { before: "alice", after: "alicia" } } });
    expect(jsonClient(path, "alice")).toBeUndefined();
    expect(jsonClient(path, "alicia")?.client).toMatchObject({ tgId: "100001", comment: "old <note>" });
    expect(rawRow(path, "alice")).toBeUndefined();
    expect(rawRow(path, "alicia")).toMatchObject({ up: GB, down: 2 * GB });
    expect(ipsRow(path, "alicia")).toMatchObject({ ips: '["1.2.3.4"]' });
    expect(service.get("alicia")?.email).toBe("alicia");
    await service.undo(audit.get(result.auditId!)!, { actor: "1" });
    expect(clientTables(path)).toEqual(before);
  });

  it("refuses an email in use in any case, by a client or a row; a change of case alone is allowed", async () => {
    const { path, service } = setup();
    const hash = fileHash(path);
    await expect(service.edit({ refs: ["alice"] }, { email: "carol" })).rejects.toMatchObject({ code: "duplicate-email" });
    await expect(service.edit({ refs: ["alice"] }, { email: "GHOST-ROW" })).rejects.toMatchObject({ code: "duplicate-email" });
    await expect(service.edit({ refs: ["alice", "bob"] }, { email: "x" })).rejects.toMatchObject({ code: "bad-input" });
    await expect(service.edit({ refs: ["alice"] }, { email: "has space" })).rejects.toMatchObject({ code: "bad-input" });
    expect(fileHash(path)).toBe(hash);
    await service.edit({ refs: ["alice"] }, { email: "Alice" });
    expect(rawRow(path, "Alice")).toBeDefined();
    expect(ipsRow(path, "Alice")).toBeDefined();
  });

  it("sets a flow only on VLESS over TCP with TLS or REALITY", async () => {
    const { path, service } = setup();
    await service.edit({ refs: ["bob"] }, { flow: "xtls-rprx-vision" });
    expect(jsonClient(path, "bob")?.client.flow).toBe("xtls-rprx-vision");
    const hash = fileHash(path);
    await expect(service.edit({ refs: ["wsuser"] }, { flow: "xtls-rprx-vision" })).rejects.toThrow(/TCP transport, this inbound uses ws/);
    await expect(service.edit({ refs: ["Carol"] }, { flow: "xtls-rprx-vision" })).rejects.toThrow(/VLESS only/);
    await expect(service.edit({ refs: ["Carol"] }, { flow: "" })).rejects.toThrow(/VLESS only/);
    await expect(service.edit({ refs: ["bob"] }, { flow: "xtls-rprx-direct" })).rejects.toMatchObject({ code: "bad-input" });
    expect(fileHash(path)).toBe(hash);
    await service.edit({ refs: ["wsuser"] }, { flow: "" }); // clearing is always allowed
  });

  it("edits several clients at once; an edit that changes nothing changes nothing", async () => {
    const { path, service } = setup();
    const result = await service.edit({ inboundId: 1 }, { limitIp: 2 });
    expect(result.changed.map((d) => d.email)).toEqual(["bob"]);
    expect(result.unchanged.map((d) => d.email)).toEqual(["alice"]);
    expect(jsonClient(path, "bob")?.client.limitIp).toBe(2);
    await expect(service.edit({ refs: ["alice"] }, {})).rejects.toThrow(/nothing to edit/);
  });

  it("leaves untouched fields byte for byte (a tgId stored as text stays text)", async () => {
    const { path, service } = setup();
    const findings = service.check().findings;
    await service.edit({ refs: ["alice"] }, { comment: "new" });
    expect(jsonClient(path, "alice")?.client.tgId).toBe("100001");
    expect(service.check().findings).toEqual(findings);
  });

  it("works on a 3.x panel, through its API: edit, rename, delete and create with a flow", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    const api = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 5000 });
    const service = XuiService.open(running.dbPath, { panel: api, now: () => NOW });
    open.push(service, api);
    const edited = await service.edit({ refs: ["carol"] }, { comment: "x", email: "carla" });
    expect(edited.changed[0]?.fields).toEqual({ comment: { before: "", after: "x" }, email: { before: "carol", after: "carla" } });
    expect(service.get("carla")).toMatchObject({ comment: "x", inboundIds: [2] });
    await expect(service.edit({ refs: ["carla", "dave"] }, { email: "z" })).rejects.toThrow(/names one client/);
    expect((await service.delete({ refs: ["carla"] })).changed[0]?.notes).toEqual(["deleted"]);
    expect(service.get("carla")).toBeUndefined();
    await service.create({ inboundId: 1, email: "b", flow: "" });
    expect(service.get("b")).toMatchObject({ flow: "", inboundIds: [1] });
    expect(disagreements(running.dbPath)).toEqual([]);
  });
});
