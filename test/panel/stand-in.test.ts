// The 3x-ui v3.6.0 stand-in, held to the panel's source: what each route writes is read back
// from the FILE through a connection of its own, and after every route the three places a
// client lives in (settings JSON, clients + client_inbounds, client_traffics) still agree.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { runPanel3, type RunningPanel3 } from "../support/panel3/harness.js";
import { disagreements, jsonClients } from "../support/xui3-agreement.js";
import { addApiToken, buildXui3Db, demoXui3, xui3Schema } from "../support/xui3-fixture.js";
import { tempDbPath } from "../support/xui-fixture.js";

const GIB = 2 ** 30;

interface Answer {
  status: number;
  body: { success: boolean; msg: string; obj: unknown } | null;
  cookie?: string;
}

async function call(p: RunningPanel3, method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${p.token}` }): Promise<Answer> {
  const res = await fetch(p.panel.url + path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("3x-ui="))?.split(";")[0];
  return { status: res.status, body: text === "" ? null : (JSON.parse(text) as Answer["body"]), ...(cookie ? { cookie } : {}) };
}

async function ok(p: RunningPanel3, method: string, path: string, body?: unknown): Promise<unknown> {
  const a = await call(p, method, path, body);
  expect(a.status).toBe(200);
  expect(a.body?.success, a.body?.msg).toBe(true);
  return a.body?.obj;
}

/** A fresh connection on the file, closed after `read`. */
function onFile<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const entriesOf = (path: string, email: string) => jsonClients(path).filter(([, , e]) => e.email === email);
const rowOf = (path: string, email: string) => onFile(path, (db) => db.prepare("SELECT * FROM clients WHERE email = ?").get(email) as Record<string, unknown> | undefined);
const trafficOf = (path: string, email: string) => onFile(path, (db) => db.prepare("SELECT * FROM client_traffics WHERE email = ?").get(email) as Record<string, unknown> | undefined);
const linksOf = (path: string, email: string) =>
  onFile(path, (db) => db.prepare("SELECT ci.inbound_id, ci.flow_override FROM client_inbounds ci JOIN clients c ON c.id = ci.client_id WHERE c.email = ? ORDER BY ci.inbound_id").all(email));

describe("the v3.6.0 fixture builder", () => {
  it("makes the schema of a real v3.6.0 file with the three places in agreement", () => {
    const path = tempDbPath("x-ui-3");
    buildXui3Db(path, demoXui3());
    const tables = onFile(path, (db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence' ORDER BY name").pluck().all());
    expect(tables).toHaveLength(xui3Schema().filter((s) => s.startsWith("CREATE TABLE")).length);
    expect(onFile(path, (db) => db.pragma("journal_mode", { simple: true }))).toBe("wal");
    expect(disagreements(path)).toEqual([]);
    expect(entriesOf(path, "alice").map(([id]) => id)).toEqual([1, 2, 3]);
    expect(linksOf(path, "bob")).toEqual([{ inbound_id: 1, flow_override: "xtls-rprx-vision" }, { inbound_id: 4, flow_override: "" }]);
  });

  it("adds an API token stored as the SHA-256 hex of its plaintext", () => {
    const path = tempDbPath("x-ui-3");
    buildXui3Db(path, demoXui3());
    const token = addApiToken(path, "bot");
    expect(token).toMatch(/^[0-9A-Za-z]{48}$/);
    const row = onFile(path, (db) => db.prepare("SELECT name, token, enabled FROM api_tokens").get());
    expect(row).toEqual({ name: "bot", token: expect.stringMatching(/^[0-9a-f]{64}$/), enabled: 1 });
    expect((row as { token: string }).token).not.toContain(token);
  });
});

describe("authentication", () => {
  it("answers 404 without a session, 401 when the caller says it is XHR", async () => {
    const p = await runPanel3();
    expect((await call(p, "GET", "panel/api/clients/list", undefined, {})).status).toBe(404);
    expect((await call(p, "GET", "panel/api/clients/list", undefined, { "x-requested-with": "XMLHttpRequest" })).status).toBe(401);
    expect((await call(p, "GET", "panel/api/clients/list", undefined, { authorization: "Bearer wrong" })).status).toBe(404);
  });

  it("reads api_tokens on every request: a token added or disabled while running counts at once", async () => {
    const p = await runPanel3();
    const late = addApiToken(p.dbPath, "late");
    expect((await call(p, "GET", "panel/api/clients/list", undefined, { authorization: `Bearer ${late}` })).status).toBe(200);
    const db = new Database(p.dbPath);
    db.prepare("UPDATE api_tokens SET enabled = 0 WHERE name = 'late'").run();
    db.close();
    expect((await call(p, "GET", "panel/api/clients/list", undefined, { authorization: `Bearer ${late}` })).status).toBe(404);
  });

  it("logs in with a CSRF token, wants it on every unsafe call, and ends sessions by the login epoch", async () => {
    const p = await runPanel3();
    const first = await call(p, "GET", "csrf-token", undefined, {});
    const csrf = first.body?.obj as string;
    expect(first.cookie).toMatch(/^3x-ui=/);
    const login = { username: "admin", password: "admin" };
    expect((await call(p, "POST", "login", login, { cookie: first.cookie as string })).status).toBe(403);
    const wrong = await call(p, "POST", "login", { ...login, password: "nope" }, { cookie: first.cookie as string, "x-csrf-token": csrf });
    expect(wrong.body).toEqual({ success: false, msg: "Invalid username or password or two-factor code.", obj: null });
    const form = await fetch(p.panel.url + "login", { method: "POST", headers: { cookie: first.cookie as string, "x-csrf-token": csrf, "content-type": "application/x-www-form-urlencoded" }, body: "username=admin&password=admin" });
    expect(((await form.json()) as { success: boolean }).success).toBe(true);
    const done = await call(p, "POST", "login", login, { cookie: first.cookie as string, "x-csrf-token": csrf });
    expect(done.body?.success).toBe(true);
    const session = { cookie: done.cookie as string, "x-requested-with": "XMLHttpRequest" };
    expect((await call(p, "GET", "panel/api/clients/list", undefined, session)).status).toBe(200);
    expect((await call(p, "POST", "panel/api/clients/bulkEnable", { emails: ["dave"] }, session)).status).toBe(403);
    expect((await call(p, "POST", "panel/api/clients/bulkEnable", { emails: ["dave"] }, { ...session, "x-csrf-token": csrf })).body?.success).toBe(true);
    p.panel.expireSessions();
    expect(onFile(p.dbPath, (db) => db.prepare("SELECT login_epoch FROM users").pluck().get())).toBe(1);
    expect((await call(p, "GET", "panel/api/clients/list", undefined, session)).status).toBe(401);
  });

  it("wants the current code from a 2FA account, and can say whether 2FA is on", async () => {
    const p = await runPanel3();
    p.panel.setTwoFactor(true);
    const first = await call(p, "GET", "csrf-token", undefined, {});
    const headers = { cookie: first.cookie as string, "x-csrf-token": first.body?.obj as string };
    expect((await call(p, "POST", "getTwoFactorEnable", undefined, headers)).body?.obj).toBe(true);
    expect((await call(p, "POST", "login", { username: "admin", password: "admin" }, headers)).body?.success).toBe(false);
    expect((await call(p, "POST", "login", { username: "admin", password: "admin", twoFactorCode: p.panel.twoFactorCode() }, headers)).body?.success).toBe(true);
  });
});

describe("client routes, read back from the file", () => {
  it("get gives the record, its inbounds and its effective flow; traffic the row; list all with usage", async () => {
    const p = await runPanel3();
    const got = (await ok(p, "GET", "panel/api/clients/get/bob")) as { client: Record<string, unknown>; inboundIds: number[]; usedTraffic: number };
    expect(got.inboundIds).toEqual([1, 4]);
    expect(got.client).toMatchObject({ email: "bob", flow: "xtls-rprx-vision", group: "family", totalGB: 100 * GIB, reverse: null });
    expect(got.usedTraffic).toBe(7 * GIB);
    expect(await ok(p, "GET", "panel/api/clients/traffic/bob")).toMatchObject({ email: "bob", up: 2 * GIB, down: 5 * GIB, uuid: got.client.uuid, subId: got.client.subId });
    expect(await ok(p, "GET", "panel/api/clients/traffic/nobody")).toBeNull();
    const list = (await ok(p, "GET", "panel/api/clients/list")) as { email: string; inboundIds: number[]; traffic?: unknown }[];
    expect(list.map((c) => c.email)).toEqual(["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]);
    expect(list[0]).toMatchObject({ inboundIds: [1, 2, 3], traffic: { up: GIB, down: 3 * GIB, lastOnline: expect.any(Number) } });
    const missing = await call(p, "GET", "panel/api/clients/get/nobody");
    expect(missing.body).toEqual({ success: false, msg: "Obtain (record not found)", obj: null });
  });

  it("add writes the JSON of every inbound, the row, its links and a traffic row; enable is forced on", async () => {
    const p = await runPanel3();
    await ok(p, "POST", "panel/api/clients/add", { client: { email: "zed", enable: false, totalGB: 5 * GIB, flow: "xtls-rprx-vision" }, inboundIds: [1, 2] });
    const [vless, vmess] = entriesOf(p.dbPath, "zed").map(([, , e]) => e);
    expect(vless).toMatchObject({ email: "zed", enable: true, totalGB: 5 * GIB, flow: "xtls-rprx-vision", id: expect.any(String) });
    expect(vmess).toMatchObject({ email: "zed", id: vless?.id });
    expect(vmess).not.toHaveProperty("flow");
    expect(linksOf(p.dbPath, "zed")).toEqual([{ inbound_id: 1, flow_override: "xtls-rprx-vision" }, { inbound_id: 2, flow_override: "" }]);
    expect(rowOf(p.dbPath, "zed")).toMatchObject({ uuid: vless?.id, enable: 1, total_gb: 5 * GIB, sub_id: vless?.subId });
    expect(trafficOf(p.dbPath, "zed")).toMatchObject({ enable: 1, total: 5 * GIB, up: 0, down: 0 });
    expect(disagreements(p.dbPath)).toEqual([]);
    const again = await call(p, "POST", "panel/api/clients/add", { client: { email: "ZED" }, inboundIds: [3] });
    expect(again.body?.msg).toBe("Something went wrong (Duplicate email: ZED\n)");
  });

  it("update replaces: omitted enable is false, numbers 0, comment and group cleared; credentials, subId and usage kept", async () => {
    const p = await runPanel3();
    const before = rowOf(p.dbPath, "bob") as Record<string, unknown>;
    await ok(p, "POST", "panel/api/clients/update/bob", { email: "bob", totalGB: 7 * GIB });
    for (const [, , e] of entriesOf(p.dbPath, "bob")) {
      expect(e).toMatchObject({ enable: false, totalGB: 7 * GIB, expiryTime: 0, limitIp: 0, tgId: 0, comment: "", reset: 0, subId: before.sub_id });
      expect(e).not.toHaveProperty("group");
      expect(e).not.toHaveProperty("flow");
    }
    expect(rowOf(p.dbPath, "bob")).toMatchObject({ enable: 0, total_gb: 7 * GIB, expiry_time: 0, group_name: "", uuid: before.uuid, password: before.password, sub_id: before.sub_id });
    expect(trafficOf(p.dbPath, "bob")).toMatchObject({ enable: 0, total: 7 * GIB, expiry_time: 0, up: 2 * GIB, down: 5 * GIB });
    expect(linksOf(p.dbPath, "bob")).toEqual([{ inbound_id: 1, flow_override: "" }, { inbound_id: 4, flow_override: "" }]);
    expect(disagreements(p.dbPath)).toEqual([]);
  });

  it("update of a client on three inbounds rewrites its entry in each, keeping created_at and stamping updated_at", async () => {
    const now = 1_790_000_000_123;
    const p = await runPanel3({ now: () => now });
    const full = { ...((await ok(p, "GET", "panel/api/clients/get/alice")) as { client: Record<string, unknown> }).client };
    await ok(p, "POST", "panel/api/clients/update/alice", { email: "alice", id: full.uuid, flow: full.flow, enable: true, totalGB: 60 * GIB, expiryTime: full.expiryTime, limitIp: 2, tgId: 1001, comment: "pays monthly" });
    const entries = entriesOf(p.dbPath, "alice");
    expect(entries.map(([id]) => id)).toEqual([1, 2, 3]);
    for (const [id, , e] of entries) {
      expect(e).toMatchObject({ totalGB: 60 * GIB, enable: true, comment: "pays monthly", created_at: 1_781_579_950_000, updated_at: 1_790_000_000_000 });
      expect(e.flow).toBe(id === 1 ? "xtls-rprx-vision" : undefined);
    }
    expect(rowOf(p.dbPath, "alice")).toMatchObject({ total_gb: 60 * GIB, updated_at: now, created_at: 1_781_579_950_000 });
    expect(disagreements(p.dbPath)).toEqual([]);
  });

  it("update renames the client in every place", async () => {
    const p = await runPanel3();
    await ok(p, "POST", "panel/api/clients/update/alice", { email: "alice2", enable: true });
    expect(entriesOf(p.dbPath, "alice")).toEqual([]);
    expect(entriesOf(p.dbPath, "alice2")).toHaveLength(3);
    expect(rowOf(p.dbPath, "alice")).toBeUndefined();
    expect(trafficOf(p.dbPath, "alice2")).toMatchObject({ up: GIB, down: 3 * GIB });
    expect(disagreements(p.dbPath)).toEqual([]);
  });

  it("delete removes the client from every inbound, its row, links and traffic; keepTraffic keeps the traffic row", async () => {
    const p = await runPanel3();
    await ok(p, "POST", "panel/api/clients/del/alice");
    expect(entriesOf(p.dbPath, "alice")).toEqual([]);
    expect(rowOf(p.dbPath, "alice")).toBeUndefined();
    expect(trafficOf(p.dbPath, "alice")).toBeUndefined();
    expect(onFile(p.dbPath, (db) => db.prepare("SELECT COUNT(*) FROM client_inbounds WHERE client_id = 1").pluck().get())).toBe(0);
    expect(disagreements(p.dbPath)).toEqual([]);
    await ok(p, "POST", "panel/api/clients/del/bob?keepTraffic=1");
    expect(rowOf(p.dbPath, "bob")).toBeUndefined();
    expect(trafficOf(p.dbPath, "bob")).toMatchObject({ up: 2 * GIB });
    expect(disagreements(p.dbPath)).toEqual(["client_traffics row bob: in no inbound"]);
    expect((await call(p, "POST", "panel/api/clients/del/bob")).body?.msg).toBe('Something went wrong (client "bob" not found in any inbound or client record)');
  });

  it("resetTraffic zeroes usage and re-enables a disabled client everywhere", async () => {
    const now = 1_790_000_000_000;
    const p = await runPanel3({ now: () => now });
    await ok(p, "POST", "panel/api/clients/resetTraffic/erin");
    expect(trafficOf(p.dbPath, "erin")).toMatchObject({ up: 0, down: 0, enable: 1 });
    expect(rowOf(p.dbPath, "erin")).toMatchObject({ enable: 1 });
    expect(entriesOf(p.dbPath, "erin")[0]?.[2]).toMatchObject({ enable: true });
    expect(onFile(p.dbPath, (db) => db.prepare("SELECT last_traffic_reset_time FROM inbounds WHERE id = 4").pluck().get())).toBe(now);
    expect(disagreements(p.dbPath)).toEqual([]);
  });

  it("bulk routes change many clients in one call each and report what they passed over", async () => {
    const p = await runPanel3();
    expect(await ok(p, "POST", "panel/api/clients/bulkDisable", { emails: ["alice", "carol", "nobody"] })).toEqual({ changed: 2, skipped: [{ email: "nobody", reason: "client not found" }] });
    for (const email of ["alice", "carol"]) {
      expect(entriesOf(p.dbPath, email).every(([, , e]) => e.enable === false)).toBe(true);
      expect(rowOf(p.dbPath, email)).toMatchObject({ enable: 0 });
      expect(trafficOf(p.dbPath, email)).toMatchObject({ enable: 0 });
    }
    expect(disagreements(p.dbPath)).toEqual([]);
    expect(await ok(p, "POST", "panel/api/clients/bulkEnable", { emails: ["alice", "dave"] })).toEqual({ changed: 2 });
    expect(disagreements(p.dbPath)).toEqual([]);
    expect(await ok(p, "POST", "panel/api/clients/bulkResetTraffic", { emails: ["alice", "heidi"] })).toEqual({ affected: 2 });
    expect(trafficOf(p.dbPath, "heidi")).toMatchObject({ up: 0, down: 0, enable: 1 });
    expect(rowOf(p.dbPath, "heidi")).toMatchObject({ enable: 1 });
    expect(disagreements(p.dbPath)).toEqual([]);
    expect(await ok(p, "POST", "panel/api/clients/bulkDel", { emails: ["alice", "grace"] })).toEqual({ deleted: 2 });
    expect(entriesOf(p.dbPath, "grace")).toEqual([]);
    expect(trafficOf(p.dbPath, "grace")).toBeUndefined();
    expect(disagreements(p.dbPath)).toEqual([]);
    expect(p.panel.calls()).toMatchObject({ "POST /panel/api/clients/bulkDisable": 1, "POST /panel/api/clients/bulkDel": 1 });
  });

  it("bulkCreate and bulkAdjust keep the three places in step", async () => {
    const p = await runPanel3();
    expect(await ok(p, "POST", "panel/api/clients/bulkCreate", [{ client: { email: "n1" }, inboundIds: [1, 3] }, { client: { email: "alice" }, inboundIds: [2] }])).toEqual({
      created: 1,
      skipped: [{ email: "alice", reason: "email already in use: alice" }],
    });
    expect(entriesOf(p.dbPath, "n1").map(([id]) => id)).toEqual([1, 3]);
    expect(disagreements(p.dbPath)).toEqual([]);
    const expiry = (rowOf(p.dbPath, "frank") as { expiry_time: number }).expiry_time;
    expect(await ok(p, "POST", "panel/api/clients/bulkAdjust", { emails: ["frank", "carol"], addDays: 2 })).toEqual({ adjusted: 1, skipped: [{ email: "carol", reason: "unlimited expiry" }] });
    expect(trafficOf(p.dbPath, "frank")).toMatchObject({ expiry_time: expiry + 2 * 86_400_000 });
    expect(disagreements(p.dbPath)).toEqual([]);
  });

  it("refuses a body of the wrong shape as the panel's JSON binding does", async () => {
    const p = await runPanel3();
    const a = await call(p, "POST", "panel/api/clients/update/alice", { email: "alice", totalGB: "5" });
    expect(a.body).toEqual({ success: false, msg: "Something went wrong (json: cannot unmarshal string into Go struct field Client.totalGB of type int64)", obj: null });
    expect((await call(p, "POST", "panel/api/clients/bulkEnable", "")).body?.msg).toBe("Something went wrong (EOF)");
    expect(disagreements(p.dbPath)).toEqual([]);
  });
});

describe("inbounds and status", () => {
  it("lists inbounds with settings nested, and reports the panel version", async () => {
    const p = await runPanel3({ version: "3.6.0" });
    const inbounds = (await ok(p, "GET", "panel/api/inbounds/list")) as { id: number; protocol: string; settings: { clients: unknown[] }; streamSettings: { security: string } }[];
    expect(inbounds.map((i) => [i.id, i.protocol, i.settings.clients.length])).toEqual([[1, "vless", 4], [2, "vmess", 3], [3, "trojan", 3], [4, "shadowsocks", 2]]);
    expect(inbounds[0]?.streamSettings.security).toBe("reality");
    expect(await ok(p, "GET", "panel/api/server/status")).toMatchObject({ panelVersion: "3.6.0" });
  });
});

describe("knobs", () => {
  it("refuses, drops, stalls, counts and goes down on request", async () => {
    const p = await runPanel3();
    p.panel.refuse("POST /panel/api/clients/bulkEnable", "node offline");
    expect((await call(p, "POST", "panel/api/clients/bulkEnable", { emails: ["dave"] })).body).toEqual({ success: false, msg: "node offline", obj: null });
    expect(rowOf(p.dbPath, "dave")).toMatchObject({ enable: 0 });
    p.panel.refuse("POST /panel/api/clients/bulkEnable", null);
    p.panel.drop("GET /panel/api/clients/list");
    await expect(call(p, "GET", "panel/api/clients/list")).rejects.toThrow();
    expect((await call(p, "GET", "panel/api/clients/list")).status).toBe(200);
    p.panel.stall("GET /panel/api/server/status");
    await expect(fetch(p.panel.url + "panel/api/server/status", { headers: { authorization: `Bearer ${p.token}` }, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(p.panel.calls()).toMatchObject({ "POST /panel/api/clients/bulkEnable": 1, "GET /panel/api/clients/list": 2, "GET /panel/api/server/status": 1 });
    await p.panel.stop();
    await expect(call(p, "GET", "panel/api/clients/list")).rejects.toThrow();
  });
});
