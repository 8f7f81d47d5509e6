// A bulk change in several transactions whose later transaction fails: what was committed is
// said exactly (service, CLI exit 3, API body), is in the audit log, and undo of that entry
// reverts it. The failure is real: a trigger in x-ui.db aborts writes to one client's row.
import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { runCli } from "../../src/cli/main.js";
import { PartialError } from "../../src/core/errors.js";
import { UNIT_CLIENTS } from "../../src/service/engine.js";
import { DAY_MS } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { jsonClient, rawRow } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const open: { close(): void }[] = [];
const files: string[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  for (const f of files.splice(0)) rmSync(f, { recursive: true, force: true });
});

/** Inbound 1 fills a transaction of its own; inbound 2's clients come in the next, which fails. */
function twoUnitDb(): string {
  const path = tempDbPath();
  const client = (email: string) => ({ email, expiryTime: NOW + 10 * DAY_MS });
  buildXuiDb(path, {
    inbounds: [
      { id: 1, protocol: "vless", clients: Array.from({ length: UNIT_CLIENTS - 2 }, (_, i) => client(`a${i}`)) },
      { id: 2, protocol: "vmess", clients: [client("b0"), client("b1"), client("b2")] },
    ],
  });
  const db = new Database(path);
  db.exec("CREATE TRIGGER fail_b1 BEFORE UPDATE ON client_traffics WHEN NEW.email = 'b1' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
  db.close();
  files.push(`${path}.backups`);
  return path;
}

const dropTrigger = (path: string) => {
  const db = new Database(path);
  db.exec("DROP TRIGGER fail_b1");
  db.close();
};

describe("a change that fails part-way", () => {
  it("says what was applied and what was not, audits the applied part, and undo reverts it", async () => {
    const path = twoUnitDb();
    const audit = new AuditLog(tempDbPath("audit"));
    const service = XuiService.open(path, { now: () => NOW, audit, backupDir: `${path}.backups` });
    open.push(service, audit);
    const error = await service.apply({ kind: "extend", days: 5 }, { all: true }, { actor: "cli" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialError);
    const partial = error as PartialError;
    expect(partial.code).toBe("partial");
    expect(partial.applied.changed).toHaveLength(UNIT_CLIENTS - 2);
    expect(partial.notApplied).toEqual(["b0", "b1", "b2"]);
    expect(partial.message).toMatch(/partly applied: 4998 clients changed in 1 transaction, 3 not changed \(disk on fire\); undo of change #1/);
    expect(partial.message).not.toMatch(/nothing was changed/);
    expect(rawRow(path, "a0")?.expiry_time).toBe(NOW + 15 * DAY_MS);
    expect(jsonClient(path, "a7")?.client.expiryTime).toBe(NOW + 15 * DAY_MS);
    expect(rawRow(path, "b0")?.expiry_time).toBe(NOW + 10 * DAY_MS);
    expect(jsonClient(path, "b0")?.client.expiryTime).toBe(NOW + 10 * DAY_MS);
    // The audit entry holds exactly the committed part.
    const entry = audit.get(partial.applied.auditId as number);
    expect(entry?.diffs.map((d) => d.email)).toEqual(partial.applied.changed.map((d) => d.email));
    const undo = await service.undo(entry!, { actor: "cli" });
    expect(undo.skipped).toEqual([]);
    expect(rawRow(path, "a0")?.expiry_time).toBe(NOW + 10 * DAY_MS);
    expect(jsonClient(path, "a4997")?.client.expiryTime).toBe(NOW + 10 * DAY_MS);
    expect(service.check().findings).toEqual([]);
  });

  it("is recorded unit by unit as it commits: a change over several units is one entry", async () => {
    const path = twoUnitDb();
    dropTrigger(path);
    const audit = new AuditLog(tempDbPath("audit"));
    const service = XuiService.open(path, { now: () => NOW, audit, backupDir: `${path}.backups` });
    open.push(service, audit);
    const result = await service.apply({ kind: "extend", days: 5 }, { all: true }, { actor: "cli" });
    expect(result.transactions).toBe(2);
    const entries = audit.latest(5);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.diffs).toHaveLength(UNIT_CLIENTS + 1);
    expect(entries[0]?.diffs.at(-1)?.email).toBe("b2");
  });

  it("the CLI exits 3, prints what was applied and names what was not", async () => {
    const path = twoUnitDb();
    const data = tempDbPath("audit");
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["extend", "--days", "5", "--all", "--json", "--db", path], { out: (t) => out.push(t), err: (t) => err.push(t) }, { BOT_DATA_PATH: data, BACKUP_DIR: `${path}.backups` });
    expect(code).toBe(3);
    const body = JSON.parse(out.join("\n")) as { code: string; applied: { changed: unknown[] }; not_applied: string[] };
    expect(body.code).toBe("partial");
    expect(body.applied.changed).toHaveLength(UNIT_CLIENTS - 2);
    expect(body.not_applied).toEqual(["b0", "b1", "b2"]);
    expect(err.join("\n")).toMatch(/partly applied.*not changed: b0, b1, b2/);
  });

  it("the API answers with what was applied", async () => {
    const path = twoUnitDb();
    const audit = new AuditLog(tempDbPath("audit"));
    const service = XuiService.open(path, { now: () => NOW, audit, backupDir: `${path}.backups` });
    open.push(service, audit);
    const app = createApi({ service, token: "t".repeat(24) });
    const res = await app.request("/api/users/extend-expiry", {
      method: "POST",
      headers: { authorization: `Bearer ${"t".repeat(24)}`, "content-type": "application/json" },
      body: JSON.stringify({ days: 2, user_ids: [...Array.from({ length: UNIT_CLIENTS - 2 }, (_, i) => `a${i}`), "b0", "b1", "b2"] }),
    });
    const body = (await res.json()) as { code: string; applied: { changed: { email: string }[]; auditId: number }; not_applied: string[] };
    expect([res.status, body.code], JSON.stringify(body).slice(0, 300)).toEqual([500, "partial"]);
    expect(body.applied.changed).toHaveLength(UNIT_CLIENTS - 2);
    expect(body.not_applied).toEqual(["b0", "b1", "b2"]);
    expect(audit.get(body.applied.auditId)?.diffs).toHaveLength(UNIT_CLIENTS - 2);
  });
});
