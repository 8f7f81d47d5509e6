// A remote 3x-ui 2.x panel through its own API (the v2.9.4 stand-in over a real x-ui.db): reads
// from the mirror, every write through the panel's routes, and both of the panel's places in
// step afterwards, read through a fresh connection and checked with the service's own check.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { XuiError } from "../../src/core/errors.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { jsonClient, rawRow } from "../support/db-inspect.js";
import { runPanel2, type RunningPanel2 } from "../support/panel2/harness.js";
import { tempDir } from "../support/temp-dir.js";
import { tempDbPath, type FixtureClient, type FixtureOptions } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

const client = (email: string, i: number): FixtureClient => ({
  email,
  expiryTime: NOW + (10 + i) * DAY_MS,
  totalBytes: 50 * GB,
  up: i * GB,
  down: 2 * i * GB,
  ips: i === 1 ? '["10.0.0.1"]' : undefined,
});

const FIXTURE: FixtureOptions = {
  inbounds: [
    { id: 1, protocol: "vless", clients: ["alice", "bob", "carol"].map(client) },
    { id: 2, protocol: "trojan", clients: ["dave", "erin"].map((e, i) => client(e, i + 3)) },
    { id: 3, protocol: "shadowsocks", clients: ["frank"].map((e) => client(e, 5)) },
  ],
};

async function setup(): Promise<RunningPanel2 & { service: XuiService; audit: AuditLog; mirror: string }> {
  const running = await runPanel2(FIXTURE);
  const mirror = join(tempDir(), "mirror.db");
  const audit = new AuditLog(tempDbPath("audit"));
  const service = await XuiService.openRemote2(running.connection, mirror, { now: () => NOW, audit });
  open.push(service, audit);
  running.panel.resetCalls();
  return { ...running, service, audit, mirror };
}

/** The panel's file, as the panel has it, checked the way a local file is. */
function panelCheck(dbPath: string) {
  const local = XuiService.open(dbPath, { readonly: true, now: () => NOW });
  try {
    return local.check().findings;
  } finally {
    local.close();
  }
}

describe("a remote 2.x panel", () => {
  it("is read into a mirror in the 2.x layout: the same clients as the panel's own file", async () => {
    const { service, dbPath } = await setup();
    const local = XuiService.open(dbPath, { readonly: true, now: () => NOW });
    open.push(local);
    const strip = (list: ReturnType<XuiService["clients"]>) => list.map((c) => ({ ...c })).sort((a, b) => a.email.localeCompare(b.email));
    expect(strip(service.clients())).toEqual(strip(local.clients()));
    expect(service.writer).toBe("panel");
    expect(await service.panelVersion()).toBe("2.9.4");
    expect(service.check().findings).toEqual([]);
  });

  it("extends in bulk: one updateClient per client (the only route that sets a row's expiry), no inbound rewrite", async () => {
    const { service, panel, dbPath } = await setup();
    const result = await service.apply({ kind: "extend", days: 30 }, { all: true }, { actor: "1" });
    expect(result.changed.length).toBe(6);
    const calls = panel.calls();
    expect(calls["POST /panel/api/inbounds/updateClient/:clientId"]).toBe(6);
    expect(calls["POST /panel/api/inbounds/update/:id"]).toBeUndefined();
    for (const [email, i] of [["alice", 0], ["dave", 3], ["frank", 5]] as const) {
      const want = NOW + (10 + i + 30) * DAY_MS;
      expect(rawRow(dbPath, email)?.expiry_time).toBe(want);
      expect(jsonClient(dbPath, email)?.client.expiryTime).toBe(want);
      // Usage stays: the row was updated, not made again.
      expect(rawRow(dbPath, email)?.down).toBe(2 * i * GB);
    }
    expect(panelCheck(dbPath)).toEqual([]);
    // The mirror was read back: it shows what the panel holds.
    expect(service.get("frank")?.expiryTime).toBe(NOW + 45 * DAY_MS);
  });

  it("blocks: the JSON switch and the row's flag both off", async () => {
    const { service, dbPath } = await setup();
    await service.apply({ kind: "block" }, { refs: ["bob", "erin"] });
    for (const email of ["bob", "erin"]) {
      expect(jsonClient(dbPath, email)?.client.enable).toBe(false);
      expect(rawRow(dbPath, email)?.enable).toBe(0);
    }
    expect(rawRow(dbPath, "alice")?.enable).toBe(1);
    expect(panelCheck(dbPath)).toEqual([]);
  });

  it("resets usage with resetClientTraffic, and nothing else when nothing else changes", async () => {
    const { service, panel, dbPath } = await setup();
    await service.apply({ kind: "reset" }, { refs: ["carol", "frank"] });
    expect(rawRow(dbPath, "carol")).toMatchObject({ up: 0, down: 0, enable: 1 });
    expect(rawRow(dbPath, "frank")).toMatchObject({ up: 0, down: 0 });
    expect(panel.calls()["POST /panel/api/inbounds/:id/resetClientTraffic/:email"]).toBe(2);
    expect(panel.calls()["POST /panel/api/inbounds/update/:id"]).toBeUndefined();
    expect(panelCheck(dbPath)).toEqual([]);
  });

  it("edits a Telegram ID with one inbounds/update of the whole settings; the row is left as it was", async () => {
    const { service, panel, dbPath } = await setup();
    const rowBefore = rawRow(dbPath, "bob");
    await service.edit({ refs: ["bob"] }, { tgId: 777 });
    expect(panel.calls()["POST /panel/api/inbounds/update/:id"]).toBe(1);
    expect(panel.calls()["POST /panel/api/inbounds/updateClient/:clientId"]).toBeUndefined();
    expect(jsonClient(dbPath, "bob")?.client.tgId).toBe(777);
    expect(rawRow(dbPath, "bob")).toEqual(rowBefore);
    expect(service.get("bob")?.tgId).toBe(777);
    expect(panelCheck(dbPath)).toEqual([]);
  });

  it("renames through updateClient: the row and the IP record follow, usage kept", async () => {
    const { service, dbPath } = await setup();
    await service.edit({ refs: ["bob"] }, { email: "robert" });
    expect(rawRow(dbPath, "bob")).toBeUndefined();
    expect(rawRow(dbPath, "robert")).toMatchObject({ up: GB, down: 2 * GB });
    expect(jsonClient(dbPath, "robert")).toBeDefined();
    expect(panelCheck(dbPath)).toEqual([]);
  });

  it("creates a client in both places", async () => {
    const { service, dbPath } = await setup();
    await service.create({ email: "grace", inboundId: 2, days: 30, totalBytes: 20 * GB, tgId: 42 });
    expect(rawRow(dbPath, "grace")).toMatchObject({ inbound_id: 2, expiry_time: NOW + 30 * DAY_MS, total: 20 * GB, enable: 1 });
    expect(jsonClient(dbPath, "grace")?.client).toMatchObject({ tgId: 42, expiryTime: NOW + 30 * DAY_MS });
    expect(service.get("grace")?.inboundId).toBe(2);
    expect(panelCheck(dbPath)).toEqual([]);
  });

  it("deletes in bulk with one inbounds/update per inbound; undo puts the clients back with their usage", async () => {
    const { service, panel, dbPath, audit } = await setup();
    const result = await service.delete({ refs: ["alice", "bob", "dave"] }, { actor: "1" });
    expect(panel.calls()["POST /panel/api/inbounds/update/:id"]).toBe(2);
    expect(panel.calls()["POST /panel/api/inbounds/:id/delClient/:clientId"]).toBeUndefined();
    for (const email of ["alice", "bob", "dave"]) {
      expect(rawRow(dbPath, email)).toBeUndefined();
      expect(jsonClient(dbPath, email)).toBeUndefined();
    }
    expect(panelCheck(dbPath)).toEqual([]);
    const undo = await service.undo(audit.get(result.auditId as number)!, { actor: "1" });
    expect(undo.skipped).toEqual([]);
    expect(rawRow(dbPath, "bob")).toMatchObject({ up: GB, down: 2 * GB, expiry_time: NOW + 11 * DAY_MS });
    expect(rawRow(dbPath, "dave")).toMatchObject({ up: 3 * GB, down: 6 * GB, inbound_id: 2 });
    expect(jsonClient(dbPath, "alice")?.inboundId).toBe(1);
    expect(panelCheck(dbPath)).toEqual([]);
  });

  it("undoes a bulk extend through the same routes", async () => {
    const { service, dbPath, audit } = await setup();
    const before = rawRow(dbPath, "erin");
    const result = await service.apply({ kind: "extend", days: 7 }, { inboundId: 2 }, { actor: "1" });
    await service.undo(audit.get(result.auditId as number)!, { actor: "1" });
    expect(rawRow(dbPath, "erin")).toEqual(before);
    expect(jsonClient(dbPath, "erin")?.client.expiryTime).toBe(before?.expiry_time);
    expect(panelCheck(dbPath)).toEqual([]);
  });

  it("plans on what the panel holds now: a change made in the panel meanwhile is kept", async () => {
    const { service, dbPath } = await setup();
    // Someone edits carol in the panel after our mirror was read: the edit of bob must keep it.
    const other = XuiService.open(dbPath, { now: () => NOW });
    open.push(other);
    await other.edit({ refs: ["carol"] }, { comment: "from the panel" });
    await service.edit({ refs: ["bob"] }, { comment: "from the bot" });
    expect(jsonClient(dbPath, "carol")?.client.comment).toBe("from the panel");
    expect(jsonClient(dbPath, "bob")?.client.comment).toBe("from the bot");
  });

  it("logs in again when the session ended", async () => {
    const { service, panel } = await setup();
    panel.expireSessions();
    await service.refresh();
    expect(panel.calls()["POST /login"]).toBe(1);
    expect(service.clients().length).toBe(6);
  });

  it("refuses a wrong password as an auth error that never shows the password", async () => {
    const running = await runPanel2(FIXTURE);
    const error = await XuiService.openRemote2({ ...running.connection, password: "wrong-pass" }, join(tempDir(), "m.db")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XuiError);
    expect((error as XuiError).code).toBe("panel-auth");
    expect((error as XuiError).message).not.toContain("wrong-pass");
  });

  it("reports a panel that is down as unreachable, and leaves the mirror as it was", async () => {
    const { service, panel } = await setup();
    await panel.stop();
    const error = await service.apply({ kind: "extend", days: 1 }, { all: true }).catch((e: unknown) => e);
    expect((error as XuiError).code).toBe("panel-unreachable");
    expect(service.clients().length).toBe(6);
  });

  it("reports nonsense answers as invalid, never crashing", async () => {
    const { service, panel } = await setup();
    panel.garble("GET /panel/api/inbounds/list");
    const error = await service.refresh().catch((e: unknown) => e);
    expect((error as XuiError).code).toBe("panel-invalid");
  });

  it("records exactly the clients the panel applied when a write fails part-way", async () => {
    const { service, panel, dbPath, audit } = await setup();
    panel.garble("POST /panel/api/inbounds/updateClient/:clientId", true, 1);
    const error = await service.apply({ kind: "extend", days: 30 }, { inboundId: 1 }, { actor: "1" }).catch((e: unknown) => e);
    expect((error as XuiError).code).toBe("partial");
    expect((error as XuiError).subjects).toEqual(["bob", "carol"]);
    expect(rawRow(dbPath, "alice")?.expiry_time).toBe(NOW + 40 * DAY_MS);
    expect(rawRow(dbPath, "bob")?.expiry_time).toBe(NOW + 11 * DAY_MS);
    const entry = audit.latest(1)[0];
    expect(entry?.diffs.filter((d) => !d.notes.includes("no-change")).map((d) => d.email)).toEqual(["alice"]);
    expect(panelCheck(dbPath)).toEqual([]);
  });

  it("reports a write the panel answered with nonsense, and applies nothing after it", async () => {
    const { service, panel, dbPath } = await setup();
    panel.garble("POST /panel/api/inbounds/updateClient/:clientId");
    const error = await service.apply({ kind: "extend", days: 30 }, { all: true }).catch((e: unknown) => e);
    expect((error as XuiError).code).toBe("panel-invalid");
    expect(rawRow(dbPath, "alice")?.expiry_time).toBe(NOW + 10 * DAY_MS);
  });
});
