// A 3x-ui 3.x file with its panel's API: the service reads the file, plans as it does for
// 2.x, and every change goes through the panel (the stand-in over a real v3.6.0 file). The
// assertions read the file through a fresh connection: the three stores agree, and nothing
// was written into it by us.
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { PanelApi } from "../../src/panel/panel-api.js";
import { PartialError } from "../../src/core/errors.js";
import { XuiService } from "../../src/service/xui-service.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { runPanel3 } from "../support/panel3/harness.js";
import { disagreements } from "../support/xui3-agreement.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { tempDbPath } from "../support/xui-fixture.js";

const NOW = Date.now();
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

async function setup() {
  const running = await runPanel3({ fixture: demoXui3(NOW) });
  const api = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 5000 });
  const audit = new AuditLog(tempDbPath("audit"));
  const service = XuiService.open(running.dbPath, { panel: api, audit, now: () => NOW });
  open.push(service, audit, api);
  return { ...running, api, audit, service };
}

/** client_traffics and clients rows of one email, read fresh. */
function stored(path: string, email: string) {
  const db = new Database(path, { readonly: true });
  const row = db.prepare("SELECT enable, expiry_time, total, up, down FROM client_traffics WHERE email = ?").get(email) as Record<string, number> | undefined;
  const record = db.prepare("SELECT enable, expiry_time, total_gb, tg_id, comment FROM clients WHERE email = ?").get(email) as Record<string, unknown> | undefined;
  const links = db.prepare("SELECT inbound_id FROM client_inbounds JOIN clients ON clients.id = client_id WHERE email = ? ORDER BY inbound_id").pluck().all(email);
  db.close();
  return { row, record, links };
}

/** The whole `clients` row of one email (id, stamps and `flow` aside: the panel leaves there the flow of whichever inbound it synced last; the links hold the real one), its links' flows and its usage, read fresh. */
function whole(path: string, email: string) {
  const db = new Database(path, { readonly: true });
  const { id, created_at: _c, updated_at: _u, flow: _f, ...record } = (db.prepare("SELECT * FROM clients WHERE email = ?").get(email) ?? {}) as Record<string, unknown>;
  const links = db.prepare("SELECT inbound_id, flow_override FROM client_inbounds WHERE client_id = ? ORDER BY inbound_id").all(id ?? -1);
  const usage = db.prepare("SELECT up, down FROM client_traffics WHERE email = ?").get(email);
  const inJson = (db.prepare("SELECT settings FROM inbounds ORDER BY id").pluck().all() as string[]).filter((t) => (JSON.parse(t) as { clients?: { email: string }[] }).clients?.some((c) => c.email === email)).length;
  db.close();
  return { record: id === undefined ? undefined : record, links, usage, inJson };
}

describe("delete, edit and create with every option on a 3.x panel", () => {
  it("deletes through the panel and its undo puts each client back as it was, but for purged usage", async () => {
    const { dbPath, service, audit } = await setup();
    const before = ["alice", "dave"].map((e) => whole(dbPath, e));
    const deleted = await service.delete({ refs: ["alice", "dave"] }, { actor: "cli" });
    expect(deleted.changed.map((d) => d.notes)).toEqual([["deleted"], ["deleted"]]);
    expect(whole(dbPath, "alice")).toEqual({ record: undefined, links: [], usage: undefined, inJson: 0 });
    expect(disagreements(dbPath)).toEqual([]);
    // The audit entry carries the panel's record and inbounds: what the undo needs.
    expect(audit.get(deleted.auditId as number)?.diffs[0]?.removed).toMatchObject({ json: { email: "alice", tgId: 1001 }, inboundIds: [1, 2, 3] });
    const undo = await service.undo(audit.undoable("cli", 1)[0]!, { actor: "cli" });
    expect(undo.skipped).toEqual([]);
    const after = ["alice", "dave"].map((e) => whole(dbPath, e));
    // Same key, subId, Telegram ID, limits, dates, flags (dave stays blocked), comment, inbounds and flows.
    expect(after.map((w) => [w.record, w.links, w.inJson])).toEqual(before.map((w) => [w.record, w.links, w.inJson]));
    // No route sets usage: alice's is gone, and the diff says so; dave had none to lose.
    expect(after[0]?.usage).toEqual({ up: 0, down: 0 });
    expect(undo.result?.changed.map((d) => [d.email, d.notes])).toEqual([["alice", ["usage-not-restored"]], ["dave", []]]);
    expect(disagreements(dbPath)).toEqual([]);
  });

  it("a delete that keeps the usage row gets its usage back on undo", async () => {
    const { dbPath, service, audit } = await setup();
    const before = whole(dbPath, "bob");
    await service.delete({ refs: ["bob"] }, { keepTraffic: true, actor: "cli" });
    expect(whole(dbPath, "bob")).toMatchObject({ record: undefined, usage: before.usage });
    const undo = await service.undo(audit.undoable("cli", 1)[0]!, { actor: "cli" });
    expect(undo.result?.changed[0]?.notes).toEqual([]);
    expect(whole(dbPath, "bob")).toEqual(before);
    expect(disagreements(dbPath)).toEqual([]);
  });

  it("edits each own field through the panel, and the undo puts every one back", async () => {
    const { dbPath, service, audit } = await setup();
    const cases: [string, Parameters<XuiService["edit"]>[1], Record<string, unknown>][] = [
      ["alice", { tgId: 2002, limitIp: 5, comment: "new <note>", reset: 7 }, { record: { tg_id: 2002, limit_ip: 5, comment: "new <note>", reset: 7 } }],
      ["bob", { flow: "" }, { links: [{ inbound_id: 1, flow_override: "" }, { inbound_id: 4, flow_override: "" }] }],
      ["frank", { delayedStartDays: 3 }, { record: { expiry_time: -3 * DAY_MS } }],
    ];
    for (const [email, changes, stored] of cases) {
      const before = whole(dbPath, email);
      const preview = await service.edit({ refs: [email] }, changes, { dryRun: true });
      const edited = await service.edit({ refs: [email] }, changes, { actor: "cli" });
      expect(edited.changed).toHaveLength(1);
      expect(preview.changed.map((d) => d.fields)).toEqual(edited.changed.map((d) => d.fields));
      expect(edited.changed[0]?.notes).not.toContain("panel-changed");
      expect(whole(dbPath, email)).toMatchObject(stored);
      expect(disagreements(dbPath)).toEqual([]);
      const undo = await service.undo(audit.undoable("cli", 1)[0]!, { actor: "cli" });
      expect(undo.skipped).toEqual([]);
      expect(whole(dbPath, email)).toEqual(before);
      expect(disagreements(dbPath)).toEqual([]);
    }
    expect(whole(dbPath, "bob").links).toEqual([{ inbound_id: 1, flow_override: "xtls-rprx-vision" }, { inbound_id: 4, flow_override: "" }]);
  });

  it("renames a client in all three stores, its usage kept, and the undo renames it back", async () => {
    const { dbPath, service, audit } = await setup();
    const before = whole(dbPath, "alice");
    const renamed = await service.edit({ refs: ["alice"] }, { email: "alicia" }, { actor: "cli" });
    expect(renamed.changed[0]?.fields).toEqual({ email: { before: "alice", after: "alicia" } });
    expect(whole(dbPath, "alice")).toEqual({ record: undefined, links: [], usage: undefined, inJson: 0 });
    expect(whole(dbPath, "alicia")).toEqual({ ...before, record: { ...before.record, email: "alicia" } });
    expect(disagreements(dbPath)).toEqual([]);
    await service.undo(audit.undoable("cli", 1)[0]!, { actor: "cli" });
    expect(whole(dbPath, "alice")).toEqual(before);
    expect(whole(dbPath, "alicia").record).toBeUndefined();
    expect(disagreements(dbPath)).toEqual([]);
  });

  it("creates with a delayed start and a flow: the inbound's usual flow by default, dropped where no inbound serves it", async () => {
    const { dbPath, service } = await setup();
    const delayed = await service.create({ inboundId: 1, email: "ivan", delayedStartDays: 3 });
    expect(delayed.changed[0]?.after.expiryTime).toBe(-3 * DAY_MS);
    expect(whole(dbPath, "ivan")).toMatchObject({ record: { expiry_time: -3 * DAY_MS }, links: [{ inbound_id: 1, flow_override: "xtls-rprx-vision" }] });
    await service.create({ inboundId: 1, moreInboundIds: [2], email: "judy", flow: "" });
    expect(whole(dbPath, "judy").links).toEqual([{ inbound_id: 1, flow_override: "" }, { inbound_id: 2, flow_override: "" }]);
    const vmess = await service.create({ inboundId: 2, email: "kate", flow: "xtls-rprx-vision" });
    expect(vmess.changed[0]?.notes).toEqual(["panel-changed"]);
    expect(whole(dbPath, "kate").links).toEqual([{ inbound_id: 2, flow_override: "" }]);
    expect(disagreements(dbPath)).toEqual([]);
  });
});

describe("a 3.x file with its panel's API", () => {
  it("shows a client attached to several inbounds as one client", async () => {
    const { service } = await setup();
    const alice = service.get("alice");
    expect(alice?.inboundIds).toEqual([1, 2, 3]);
    expect(service.clients().filter((c) => c.email === "alice")).toHaveLength(1);
    expect(service.writer).toBe("panel");
    expect(service.databaseState()).toBe("ok");
  });

  it("extends, blocks, limits and unblocks through the panel; all three places agree after each", async () => {
    const { dbPath, service, panel } = await setup();
    expect(disagreements(dbPath)).toEqual([]);
    const extended = await service.apply({ kind: "extend", days: 10 }, { refs: ["alice"] }, { actor: "cli" });
    expect(extended.changed[0]?.after.expiryTime).toBe(NOW + 40 * DAY_MS);
    expect(stored(dbPath, "alice")).toMatchObject({ row: { expiry_time: NOW + 40 * DAY_MS }, record: { expiry_time: NOW + 40 * DAY_MS }, links: [1, 2, 3] });
    expect(disagreements(dbPath)).toEqual([]);
    await service.apply({ kind: "block" }, { refs: ["alice", "bob"] });
    expect(stored(dbPath, "bob")).toMatchObject({ row: { enable: 0 }, record: { enable: 0 } });
    await service.apply({ kind: "limit", totalBytes: 7 * GB }, { refs: ["carol"] });
    expect(stored(dbPath, "carol")).toMatchObject({ row: { total: 7 * GB }, record: { total_gb: 7 * GB } });
    await service.apply({ kind: "unblock" }, { refs: ["alice"] });
    expect(stored(dbPath, "alice")).toMatchObject({ row: { enable: 1 }, record: { enable: 1 } });
    // Untouched fields stay: the update route replaces the whole record, and we sent it whole.
    expect(stored(dbPath, "alice").record).toMatchObject({ tg_id: 1001, comment: "pays monthly" });
    expect(disagreements(dbPath)).toEqual([]);
    expect(panel.calls()["POST /panel/api/clients/update/:email"]).toBeGreaterThan(0);
  });

  it("resets usage and keeps a blocked client blocked", async () => {
    const { dbPath, service } = await setup();
    await service.apply({ kind: "reset" }, { refs: ["erin"] });
    expect(stored(dbPath, "erin")).toMatchObject({ row: { up: 0, down: 0 }, record: { enable: 0 } });
    expect(disagreements(dbPath)).toEqual([]);
  });

  it("creates a client on several inbounds and undoes the creation", async () => {
    const { dbPath, service, audit } = await setup();
    const created = await service.create({ inboundId: 1, moreInboundIds: [2], email: "zoe", days: 5, totalBytes: 3 * GB }, { actor: "cli" });
    expect(created.changed[0]?.after).toMatchObject({ expiryTime: NOW + 5 * DAY_MS, totalBytes: 3 * GB });
    expect(stored(dbPath, "zoe").links).toEqual([1, 2]);
    expect(disagreements(dbPath)).toEqual([]);
    const undo = await service.undo(audit.undoable("cli", 1)[0]!, { actor: "cli" });
    expect(undo.result?.changed[0]?.notes).toContain("deleted");
    expect(stored(dbPath, "zoe")).toEqual({ row: undefined, record: undefined, links: [] });
    expect(disagreements(dbPath)).toEqual([]);
  });

  it("undo of a bulk change returns every client", async () => {
    const { dbPath, service, audit } = await setup();
    const before = ["alice", "bob", "frank"].map((e) => stored(dbPath, e));
    await service.apply({ kind: "extend", days: 3 }, { inboundId: 1 }, { actor: "7" });
    const undo = await service.undo(audit.undoable("7", 1)[0]!, { actor: "7" });
    expect(undo.skipped).toEqual([]);
    expect(["alice", "bob", "frank"].map((e) => stored(dbPath, e))).toEqual(before);
  });

  it("refuses with the panel's reason, changing nothing, when its first answer is no", async () => {
    const { dbPath, service, panel } = await setup();
    panel.refuse("POST /panel/api/clients/update/:email", "database is locked");
    const error = await service.apply({ kind: "limit", totalBytes: 8 * GB }, { refs: ["carol", "dave"] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "panel-refused" });
    expect(String((error as Error).message)).toMatch(/database is locked/);
    expect(stored(dbPath, "carol").record).toMatchObject({ total_gb: 0 });
  });

  it("says exactly what was applied when the panel refuses part-way, and audits that part", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    const api = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 5000 });
    // The panel says no from the second update on (its real refusal, switched on by the knob).
    const port = {
      getClient: api.getClient.bind(api),
      addClient: api.addClient.bind(api),
      deleteClient: api.deleteClient.bind(api),
      resetTraffic: api.resetTraffic.bind(api),
      updateClient: async (email: string, client: Parameters<PanelApi["updateClient"]>[1]) => {
        await api.updateClient(email, client);
        running.panel.refuse("POST /panel/api/clients/update/:email", "database is locked");
      },
    };
    const audit = new AuditLog(tempDbPath("audit"));
    const service = XuiService.open(running.dbPath, { panel: port, audit, now: () => NOW });
    open.push(service, audit, api);
    const error = await service.apply({ kind: "limit", totalBytes: 8 * GB }, { refs: ["carol", "dave", "frank"] }, { actor: "cli" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialError);
    const partial = error as PartialError;
    // Clients go in the file's order (frank's inbound comes first).
    expect(partial.applied.changed.map((d) => d.email)).toEqual(["frank"]);
    expect(partial.notApplied).toEqual(["carol", "dave"]);
    expect(stored(running.dbPath, "frank").record).toMatchObject({ total_gb: 8 * GB });
    expect(stored(running.dbPath, "carol").record).toMatchObject({ total_gb: 0 });
    expect(audit.get(partial.applied.auditId as number)?.diffs.map((d) => d.email)).toEqual(["frank"]);
  });

  it("dry runs change nothing and ask the panel nothing", async () => {
    const { service, panel } = await setup();
    panel.resetCalls();
    const preview = await service.apply({ kind: "block" }, { all: true }, { dryRun: true });
    expect(preview.changed.length).toBeGreaterThan(3);
    expect(Object.keys(panel.calls())).toEqual([]);
  });

  it("without a panel, reads and refuses every write saying how to connect", async () => {
    const { dbPath } = await setup();
    const alone = XuiService.open(dbPath);
    open.push(alone);
    expect(alone.get("alice")?.inboundIds).toEqual([1, 2, 3]);
    expect([alone.writer, alone.databaseState()]).toEqual(["none", "read-only"]);
    await expect(alone.apply({ kind: "block" }, { refs: ["alice"] })).rejects.toThrow(/xui-admin panel-token.*XUI_PANEL_URL.*XUI_API_TOKEN/s);
  });

  it("a panel that is down refuses clearly and changes nothing", async () => {
    const { dbPath, service, panel } = await setup();
    await panel.stop();
    await expect(service.apply({ kind: "block" }, { refs: ["alice"] })).rejects.toMatchObject({ code: "panel-unreachable" });
    expect(stored(dbPath, "alice").record).toMatchObject({ enable: 1 });
  });
});
