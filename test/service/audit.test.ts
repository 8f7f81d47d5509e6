import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DiffTable } from "../../src/core/diff-table.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { jsonClient, rawRow } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

function setup() {
  const path = tempDbPath();
  buildXuiDb(path, {
    inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "a", expiryTime: NOW + DAY_MS }, { email: "b", expiryTime: NOW + DAY_MS, totalBytes: 10 * GB }, { email: "c", expiryTime: 0 }] }],
  });
  const audit = new AuditLog(tempDbPath("audit"));
  const service = XuiService.open(path, { now: () => NOW, audit });
  open.push(service, audit);
  return { path, audit, service };
}

describe("audit and undo", () => {
  it("records who changed what, with each client's before and after; dry runs and no-ops are not recorded", async () => {
    const { audit, service } = setup();
    const r = await service.apply({ kind: "extend", days: 5 }, { refs: ["a", "c"] }, { actor: "42" });
    await service.apply({ kind: "block" }, { refs: ["b"] }, { dryRun: true, actor: "42" });
    await service.apply({ kind: "extend", days: 5 }, { refs: ["c"] }, { actor: "42" }); // never expires: no change
    await service.create({ inboundId: 1, email: "d" }, { actor: "api" });
    const entries = audit.latest(10);
    expect(entries.map((e) => [e.actor, e.operation, e.diffs.map((d) => d.email)])).toEqual([
      ["api", "create", ["d"]],
      ["42", "extend", ["a"]],
    ]);
    expect(r.auditId).toBe(entries[1]?.id);
    expect(entries[1]?.diffs[0]).toMatchObject({ before: { expiryTime: NOW + DAY_MS }, after: { expiryTime: NOW + 6 * DAY_MS } });
    expect(audit.latest(10, "api")).toHaveLength(1);
  });

  it("undo restores what is unchanged since and names the clients it skipped", async () => {
    const { path, audit, service } = setup();
    await service.apply({ kind: "limit", totalBytes: 50 * GB }, { refs: ["a", "b"] }, { actor: "7" });
    await service.apply({ kind: "block" }, { refs: ["a", "b"] }, { actor: "7" });
    // Someone changes b's limit after the block: b's block stays, a's is undone.
    await service.apply({ kind: "limit", totalBytes: 70 * GB }, { refs: ["b"] }, { actor: "8" });
    const last = audit.undoable("7", 1)[0];
    expect(last?.operation).toBe("block");
    const undo = await service.undo(last!, { actor: "7" });
    expect(undo.skipped).toEqual([]); // the limit change did not touch the fields the block wrote
    expect(jsonClient(path, "a")?.client.enable).toBe(true);
    expect(rawRow(path, "a")?.enable).toBe(1);
    expect(audit.get(last!.id)?.undoneBy).toBe(undo.result?.auditId);
    // Undo the limit change of 7: b has moved on (70 GB), a has not.
    const limit = audit.undoable("7", 1)[0];
    expect(limit?.operation).toBe("limit");
    const second = await service.undo(limit!, { actor: "7" });
    expect(second.skipped).toEqual(["b"]);
    expect(rawRow(path, "a")?.total).toBe(0);
    expect(rawRow(path, "b")?.total).toBe(70 * GB);
    expect(audit.undoable("7", 1)[0]).toBeUndefined();
    expect(service.check().findings).toEqual([]);
  });

  it("records a sync with what it repaired; an undo does not pick it", async () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "a", tgId: "" }] }] });
    const audit = new AuditLog(tempDbPath("audit"));
    const service = XuiService.open(path, { audit, backupDir: `${path}.backups` });
    open.push(service, audit);
    await service.sync({ actor: "cli" });
    expect(audit.latest(1)[0]).toMatchObject({ actor: "cli", operation: "sync", details: [{ kind: "update-json", email: "a", fields: { tgId: ["", 0] } }] });
    expect(audit.undoable("cli", 1)[0]).toBeUndefined();
  });

  it("opens an audit file from before the details column and adds it", () => {
    const file = tempDbPath("old-audit");
    const old = new Database(file);
    old.exec("CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, operation TEXT NOT NULL, op TEXT, diffs TEXT NOT NULL, undone_by INTEGER)");
    old.close();
    const audit = new AuditLog(file);
    open.push(audit);
    const id = audit.record({ actor: "cli", operation: "sync", op: null, diffs: new DiffTable(0), details: [1] });
    expect(audit.get(id)?.details).toEqual([1]);
  });

  it("undoes a creation by deleting the client, when it is untouched since", async () => {
    const { path, audit, service } = setup();
    await service.create({ inboundId: 1, email: "new" }, { actor: "cli" });
    const undo = await service.undo(audit.undoable("cli", 1)[0]!, { actor: "cli" });
    expect(undo.skipped).toEqual([]);
    expect(undo.result?.changed.map((d) => [d.email, d.notes])).toEqual([["new", ["deleted"]]]);
    expect(rawRow(path, "new")).toBeUndefined();
    expect(jsonClient(path, "new")).toBeUndefined();
    expect(service.check().findings).toEqual([]);
  });

  it("leaves a created client that was changed since", async () => {
    const { path, audit, service } = setup();
    await service.create({ inboundId: 1, email: "new" }, { actor: "cli" });
    await service.apply({ kind: "limit", totalBytes: 5 * GB }, { refs: ["new"] }, { actor: "api" });
    const undo = await service.undo(audit.undoable("cli", 1)[0]!, { actor: "cli" });
    expect(undo).toEqual({ result: null, skipped: ["new"] });
    expect(rawRow(path, "new")).toBeDefined();
  });
});
