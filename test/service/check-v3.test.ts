// check and sync on 3x-ui 3.x files: the three places a client lives, compared; sync only reports.
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/main.js";
import type { CheckReport } from "../../src/service/check.js";
import { XuiService } from "../../src/service/xui-service.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { parseSettings, formatSettings } from "../../src/xui/panel-json.js";
import { buildXui3Db, tablesDigest, type Xui3Client, type Xui3Options } from "../support/xui3-fixture.js";
import { copyRealFixture, tempDbPath } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 7, 1, 12, 0, 0);
const open: XuiService[] = [];

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const INBOUNDS: Xui3Options["inbounds"] = [
  { id: 1, protocol: "vless" },
  { id: 2, protocol: "vmess" },
  { id: 3, protocol: "trojan" },
];

function build(clients: Xui3Client[], options: Partial<Xui3Options> = {}): string {
  const path = tempDbPath("x-ui-3");
  buildXui3Db(path, { inbounds: INBOUNDS, clients, ...options });
  return path;
}

function service(path: string): XuiService {
  const s = XuiService.open(path, { now: () => NOW, backupDir: `${path}.backups` });
  open.push(s);
  return s;
}

const check = (path: string) => service(path).check();

/** "kind email[.field][@inbound]" for each finding, sorted: what a person would read off the report. */
const kinds = (report: CheckReport) =>
  report.findings.map((f) => `${f.kind} ${f.email ?? ""}${f.field ? `.${f.field}` : ""}${f.inboundId === undefined ? "" : `@${f.inboundId}`}`).sort();

/** Rewrites an inbound's settings with a plain connection, as a broken tool would. */
function editSettings(path: string, inboundId: number, edit: (clients: Record<string, unknown>[]) => void): void {
  const db = new Database(path);
  const settings = parseSettings(db.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck().get(inboundId) as string);
  edit(settings.clients as Record<string, unknown>[]);
  db.prepare("UPDATE inbounds SET settings = ? WHERE id = ?").run(formatSettings(settings), inboundId);
  db.close();
}

describe("check on a 3x-ui 3.x file", () => {
  it("finds nothing in a file as the panel leaves it, and does not flag what the panel leaves different", () => {
    const path = build([
      { email: "ok", expiryTime: NOW + 30 * DAY_MS, totalBytes: 50 * GB, limitIp: 2, tgId: 123_456, comment: "pays <cash> & late", reset: 30, flow: "xtls-rprx-vision" },
      { email: "multi", inbounds: [1, 2, 3], expiryTime: NOW + DAY_MS },
      { email: "delayed", inbounds: [2], expiryTime: -7 * DAY_MS },
      // Expired: enforcement cleared client_traffics.enable only (a file migrated from 2.x).
      { email: "expired", inbounds: [3], expiryTime: NOW - DAY_MS, active: false },
      // Blocked, but a periodic reset set client_traffics.enable again.
      { email: "blocked", enable: false, active: true },
      // client_traffics.inbound_id is the last inbound that touched the row, stale by design.
      { email: "moved", inbounds: [1, 2], traffic: { inbound_id: 3 } },
      // The last-synced clients.flow differs from this inbound's; credentials of other protocols kept.
      { email: "vision", inbounds: [2], record: { flow: "xtls-rprx-vision", password: "kept", auth: "kept" } },
      { email: "valid-again", active: false, expiryTime: NOW + DAY_MS },
    ]);
    const report = check(path);
    expect(report).toMatchObject({ family: "3x-ui-3", inbounds: 3, clients: 8, rows: 8, findings: [] });
    expect(report.readOnlyReason).toMatch(/run `xui-admin panel-token` on this server/);
    // Switched off in client_traffics while enabled and valid: Xray leaves it out; a note.
    expect(report.notes.map((n) => `${n.kind} ${n.email}`)).toEqual(["flag-note valid-again"]);
  });

  it("JSON client vs its `clients` row: every field, the link's flow, keys named but never shown", () => {
    const path = build([
      { email: "drift", inbounds: [2], json: { expiryTime: NOW, totalGB: GB, limitIp: 3, tgId: 42, subId: "other", comment: "json side", reset: 7, enable: false } },
      { email: "no-enable", json: { enable: undefined } },
      { email: "grouped", json: { group: "vip" } },
      { email: "rekeyed", json: { id: "00000000-0000-4000-a000-000000000000" } },
      { email: "vision", flow: "", linkFlow: "xtls-rprx-vision" },
      { email: "typed", json: { tgId: "", limitIp: 1.5 } },
    ]);
    const report = check(path);
    expect(kinds(report)).toEqual([
      "bad-type typed.limitIp@1",
      "bad-type typed.tgId@1",
      ...["comment", "enable", "expiryTime", "limitIp", "reset", "subId", "tgId", "totalGB"].map((f) => `client-mismatch drift.${f}@2`),
      "client-mismatch grouped.group@1",
      "client-mismatch no-enable.enable@1", // Go reads an absent enable as false
      "client-mismatch rekeyed.id@1",
      "client-mismatch vision.flow@1",
    ]);
    const expiry = report.findings.find((f) => f.email === "drift" && f.field === "expiryTime");
    expect(expiry).toMatchObject({ json: NOW, record: 0, message: `drift (inbound 2): expiryTime is ${NOW} in settings, clients.expiry_time is 0` });
    const key = report.findings.find((f) => f.field === "id");
    expect(key?.message).toBe("rekeyed (inbound 1): id in settings differs from clients.uuid");
    expect(JSON.stringify(key)).not.toContain("00000000-0000");
    expect(report.findings.find((f) => f.field === "flow")).toMatchObject({ json: "", row: "xtls-rprx-vision" });
  });

  it("client_inbounds links vs the inbounds whose JSON lists the client", () => {
    const path = build([
      { email: "unlinked", inbounds: [1, 2], links: [1] },
      { email: "extra-link", inbounds: [1], links: [1, 3] },
      { email: "deleted-inbound", inbounds: [1], links: [1, 9] },
      { email: "broken-inbound", inbounds: [1], links: [1, 4] },
    ], { inbounds: [...INBOUNDS, { id: 4, protocol: "vless", rawSettings: '{"clients": [ broken' }] });
    const db = new Database(path);
    db.prepare("INSERT INTO client_inbounds (client_id, inbound_id, flow_override, created_at) VALUES (99, 1, '', 0)").run();
    db.close();
    expect(kinds(check(path))).toEqual([
      "bad-settings @4", // its links are not judged: its clients are unknown
      "missing-link unlinked@2",
      "stale-link @1", // a link of client id 99, which has no row
      "stale-link deleted-inbound@9",
      "stale-link extra-link@3",
    ]);
  });

  it("client_traffics present and agreeing; orphan clients and orphan rows", () => {
    const path = build([
      { email: "no-row", traffic: null },
      { email: "row-drift", expiryTime: NOW + DAY_MS, totalBytes: 10 * GB, reset: 30, traffic: { expiry_time: NOW + 2 * DAY_MS, total: 20 * GB, reset: 0 } },
      { email: "detached", inbounds: [] },
    ], { orphanRows: ["ghost"] });
    const report = check(path);
    expect(kinds(report)).toEqual([
      "missing-row no-row",
      "orphan-client detached",
      "orphan-row ghost@1",
      "traffic-mismatch row-drift.expiry_time",
      "traffic-mismatch row-drift.reset",
      "traffic-mismatch row-drift.total",
    ]);
    expect(report.findings.find((f) => f.field === "total")).toMatchObject({ record: 10 * GB, row: 20 * GB, message: `row-drift: clients.total_gb is ${10 * GB}, client_traffics.total is ${20 * GB}` });
  });

  it("JSON clients without a `clients` row, duplicates, an empty email", () => {
    const path = build([
      { email: "json-only", record: null },
      { email: "Dup", inbounds: [1] },
      { email: "dup", inbounds: [2] },
      { email: "Twin", inbounds: [3] },
    ]);
    editSettings(path, 3, (clients) => clients.push({ ...clients[0], email: "twin" }, { ...clients[0], email: " " }));
    const report = check(path);
    expect(kinds(report)).toEqual(["bad-type .email@3", "duplicate-email dup", "duplicate-email twin@3", "missing-client json-only@1"]);
    // Its traffic row belongs to a JSON client: not an orphan.
    expect(report.rows).toBe(4);
  });

  it("reads the three places in one read transaction: a panel commit in the middle is not seen as drift", () => {
    const path = build([{ email: "ok" }]);
    const s = service(path);
    const panel = new Database(path);
    // The panel adds "late" to inbound 1: JSON, clients row, link and traffic row in one transaction.
    const addLate = () =>
      panel.transaction(() => {
        const settings = parseSettings(panel.prepare("SELECT settings FROM inbounds WHERE id = 1").pluck().get() as string);
        (settings.clients as object[]).push({ email: "late", enable: true, id: "00000000-0000-4000-a000-000000000001", subId: "late" });
        panel.prepare("UPDATE inbounds SET settings = ? WHERE id = 1").run(formatSettings(settings));
        const id = panel.prepare("INSERT INTO clients (email, sub_id, uuid, enable) VALUES ('late', 'late', '00000000-0000-4000-a000-000000000001', 1)").run().lastInsertRowid;
        panel.prepare("INSERT INTO client_inbounds (client_id, inbound_id, flow_override) VALUES (?, 1, '')").run(id);
        panel.prepare("INSERT INTO client_traffics (inbound_id, enable, email, up, down, expiry_time, total, reset) VALUES (1, 1, 'late', 0, 0, 0, 0, 0)").run();
      })();
    // After the inbounds are read, before the tables are: the panel commits (WAL lets it).
    const read = s.db.read.bind(s.db);
    const spy = vi.spyOn(s.db, "read").mockImplementationOnce((fn) =>
      read((conn) => {
        let statements = 0;
        const between = new Proxy(conn, {
          get(target, key) {
            if (key === "prepare") return (sql: string) => (++statements === 2 && addLate(), target.prepare(sql));
            const value = Reflect.get(target, key) as unknown;
            return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
        return fn(between);
      }),
    );
    const report = s.check();
    spy.mockRestore();
    expect(report.findings).toEqual([]);
    expect(report.clients).toBe(1);
    expect(s.check()).toMatchObject({ clients: 2, findings: [] });
    panel.close();
  });

  it("the real 3.1.0 file: only the JSON tgId \"\" the panel's later seeder fixes", () => {
    const report = check(copyRealFixture("ivansalou288-tech_vpn_bot.db"));
    expect(report).toMatchObject({ family: "3x-ui-3", inbounds: 5, clients: 102, rows: 102 });
    expect(kinds(report)).toEqual(["bad-type first.tgId@1", "bad-type firstX.tgId@3", "bad-type first_1.tgId@2"]);
  });
});

describe("sync on a 3x-ui 3.x file", () => {
  const drifted: Xui3Client[] = [{ email: "ok" }, { email: "row-drift", traffic: { total: GB } }, { email: "detached", inbounds: [] }];

  it("only reports: the findings of check, the panel's way to repair, nothing written, no backup", async () => {
    const path = build(drifted);
    const before = tablesDigest(path);
    const s = service(path);
    const expected = kinds(s.check());
    for (const dryRun of [false, true]) {
      const report = await s.sync({ dryRun, prune: true, from: "json" });
      expect(report).toMatchObject({ actions: [], transactions: 0, reportOnly: expect.stringMatching(/x-ui migrate/) });
      expect(report.backup).toBeUndefined();
      expect(kinds({ ...report.before, findings: report.unresolved })).toEqual(expected);
    }
    expect(expected).toEqual(["orphan-client detached", "traffic-mismatch row-drift.total"]);
    expect(existsSync(`${path}.backups`)).toBe(false);
    expect(tablesDigest(path)).toBe(before);
  });

  it("xui-admin: check and sync exit 1 on drift and 0 without; writes are refused with how to connect", async () => {
    const env = { BOT_DATA_PATH: `${tempDbPath("audit")}`, BACKUP_DIR: `${tempDbPath("b")}.backups` };
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const drift = build(drifted);
    const clean = build([{ email: "ok" }]);
    const before = tablesDigest(drift);
    expect((await cli("check", "--db", drift)).code).toBe(1);
    expect((await cli("check", "--db", clean)).code).toBe(0);
    const sync = await cli("sync", "--db", drift);
    expect(sync.code).toBe(1);
    expect(sync.out).toMatch(/^sync: repairs on 3x-ui 3\.x are the panel's job: `\/usr\/local\/x-ui\/x-ui migrate`.*Nothing was changed\n2 findings:\n {2}\[traffic-mismatch\] row-drift: .*\n {2}\[orphan-client\] detached: /);
    const cleanSync = await cli("sync", "--db", clean, "--json");
    expect(cleanSync.code).toBe(0);
    expect(JSON.parse(cleanSync.out)).toMatchObject({ actions: [], unresolved: [], reportOnly: expect.any(String) });
    // Reads work; every write is refused with the way to connect.
    expect((await cli("show", "--db", drift, "ok")).code).toBe(0);
    const write = await cli("extend", "--days", "1", "--db", drift, "ok");
    expect(write.code).toBe(2);
    expect(write.err).toContain(
      "run `xui-admin panel-token` on this server (or create one in the panel: Settings → API tokens), then set XUI_PANEL_URL (the panel's address with its base path) and XUI_API_TOKEN",
    );
    expect(tablesDigest(drift)).toBe(before);
  });
});
