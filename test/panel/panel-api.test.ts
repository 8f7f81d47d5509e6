// The 3x-ui 3.x API client against the v3.6.0 stand-in: token and login sessions, what it
// reads and writes (checked in the file), and every way the panel can fail it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, onTestFinished } from "vitest";
import { PanelApi } from "../../src/panel/panel-api.js";
import type { PanelConnection } from "../../src/panel/types.js";
import { XuiError } from "../../src/core/errors.js";
import { runPanel3, type RunningPanel3 } from "../support/panel3/harness.js";
import { tempDir } from "../support/temp-dir.js";
import { disagreements, jsonClients } from "../support/xui3-agreement.js";

const GIB = 2 ** 30;

function api(p: RunningPanel3, conn: Partial<PanelConnection> = {}): PanelApi {
  const client = new PanelApi({ url: p.panel.url, token: p.token, timeoutMs: 5_000, ...conn });
  onTestFinished(() => client.close());
  return client;
}

const login = (p: RunningPanel3, extra: Partial<PanelConnection> = {}) => api(p, { token: undefined, username: "admin", password: "admin", ...extra });

/** The XuiError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<XuiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(XuiError);
  return error as XuiError;
}

const entries = (path: string, email: string) => jsonClients(path).filter(([, , e]) => e.email === email);
const row = (path: string, sql: string, ...args: unknown[]) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).get(...args) as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
};

describe("reads", () => {
  it("gives the version, the inbounds and every client with its inbounds, usage and effective flow", async () => {
    const p = await runPanel3();
    const panel = api(p);
    expect(await panel.panelVersion()).toBe("3.6.0");
    const inbounds = await panel.listInbounds();
    expect(inbounds.map((i) => [i.id, i.protocol, i.port, i.enable])).toEqual([[1, "vless", 443, true], [2, "vmess", 8080, true], [3, "trojan", 8443, true], [4, "shadowsocks", 8388, true]]);
    // A bulk change syncs inbound 4 (Shadowsocks) last: bob's clients.flow column becomes "".
    await panel.bulkDisable(["bob"]);
    expect(row(p.dbPath, "SELECT flow FROM clients WHERE email = 'bob'")).toEqual({ flow: "" });
    const list = await panel.listClients();
    const bob = list.find((e) => e.client.email === "bob");
    expect(bob).toMatchObject({ inboundIds: [1, 4], traffic: { up: 2 * GIB, down: 5 * GIB, enable: false }, client: { flow: "xtls-rprx-vision", group: "family", enable: false } });
    expect(bob?.client).not.toHaveProperty("uuid");
    expect(bob?.client.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("gets one client with its traffic, or null for an email the panel does not have", async () => {
    const p = await runPanel3();
    const panel = api(p);
    const alice = await panel.getClient("alice");
    expect(alice).toMatchObject({ inboundIds: [1, 2, 3], traffic: { up: GIB, down: 3 * GIB, lastOnline: expect.any(Number) } });
    expect(alice?.client).toMatchObject({ email: "alice", flow: "xtls-rprx-vision", limitIp: 2, tgId: 1001, comment: "pays monthly", enable: true, totalGB: 50 * GIB });
    expect(await panel.getClient("nobody")).toBeNull();
    expect(await panel.getClient("alice@example.com")).toBeNull();
  });
});

describe("writes, read back from the file", () => {
  it("an update built from a read changes what it changes and keeps the rest, on every inbound", async () => {
    const p = await runPanel3();
    const panel = api(p);
    for (const entry of [await panel.getClient("bob"), (await panel.listClients()).find((e) => e.client.email === "alice")]) {
      const c = entry?.client;
      if (!c) throw new Error("no client");
      await panel.updateClient(c.email, { ...c, expiryTime: 1_900_000_000_000 });
    }
    for (const [id, , e] of [...entries(p.dbPath, "alice"), ...entries(p.dbPath, "bob")]) {
      expect(e).toMatchObject({ expiryTime: 1_900_000_000_000, enable: true });
      expect(e.flow).toBe(id === 1 ? "xtls-rprx-vision" : undefined);
    }
    expect(row(p.dbPath, "SELECT group_name, limit_ip, tg_id, comment FROM clients WHERE email = 'bob'")).toEqual({ group_name: "family", limit_ip: 0, tg_id: 0, comment: "" });
    expect(row(p.dbPath, "SELECT limit_ip, tg_id, comment FROM clients WHERE email = 'alice'")).toEqual({ limit_ip: 2, tg_id: 1001, comment: "pays monthly" });
    expect(row(p.dbPath, "SELECT expiry_time, up FROM client_traffics WHERE email = 'alice'")).toEqual({ expiry_time: 1_900_000_000_000, up: GIB });
    expect(disagreements(p.dbPath)).toEqual([]);
  });

  it("adds, resets and deletes; an unknown email is an unknown-ref error", async () => {
    const p = await runPanel3();
    const panel = api(p);
    await panel.addClient({ email: "zed", totalGB: 5 * GIB, flow: "xtls-rprx-vision" }, [1, 3]);
    expect(entries(p.dbPath, "zed").map(([id, , e]) => [id, e.flow])).toEqual([[1, "xtls-rprx-vision"], [3, undefined]]);
    await panel.resetTraffic("erin");
    expect(row(p.dbPath, "SELECT up, down, enable FROM client_traffics WHERE email = 'erin'")).toEqual({ up: 0, down: 0, enable: 1 });
    await panel.deleteClient("alice");
    expect(entries(p.dbPath, "alice")).toEqual([]);
    await panel.deleteClient("bob", { keepTraffic: true });
    expect(row(p.dbPath, "SELECT up FROM client_traffics WHERE email = 'bob'")).toEqual({ up: 2 * GIB });
    for (const attempt of [panel.deleteClient("alice"), panel.resetTraffic("nobody"), panel.updateClient("nobody", { email: "nobody", limitIp: 0, totalGB: 0, expiryTime: 0, enable: true, tgId: 0, subId: "", reset: 0 })]) {
      const e = await failure(attempt);
      expect([e.code, e.subjects]).toEqual(["unknown-ref", [expect.stringMatching(/^(alice|nobody)$/)]]);
    }
  });

  it("bulk operations are one call each, report what the panel passed over, and make no call for no emails", async () => {
    const p = await runPanel3();
    const panel = api(p);
    expect(await panel.bulkDisable(["alice", "carol", "nobody"])).toEqual({ count: 2, skipped: [{ email: "nobody", reason: "client not found" }] });
    expect(await panel.bulkEnable(["alice", "dave"])).toEqual({ count: 2, skipped: [] });
    expect(await panel.bulkResetTraffic(["alice", "bob"])).toEqual({ count: 2, skipped: [] });
    expect(await panel.bulkDelete(["carol", "grace"])).toEqual({ count: 2, skipped: [] });
    for (const empty of [panel.bulkEnable([]), panel.bulkDisable([]), panel.bulkResetTraffic([]), panel.bulkDelete([])]) expect(await empty).toEqual({ count: 0, skipped: [] });
    expect(p.panel.calls()).toEqual({
      "POST /panel/api/clients/bulkDisable": 1,
      "POST /panel/api/clients/bulkEnable": 1,
      "POST /panel/api/clients/bulkResetTraffic": 1,
      "POST /panel/api/clients/bulkDel": 1,
    });
    expect(row(p.dbPath, "SELECT enable FROM clients WHERE email = 'dave'")).toEqual({ enable: 1 });
    expect(row(p.dbPath, "SELECT up FROM client_traffics WHERE email = 'bob'")).toEqual({ up: 0 });
    expect(entries(p.dbPath, "grace")).toEqual([]);
    expect(disagreements(p.dbPath)).toEqual([]);
  });
});

describe("authentication", () => {
  it("a wrong or disabled token is panel-auth, and the message does not carry it", async () => {
    const p = await runPanel3();
    const e = await failure(api(p, { token: "not-the-token-0123456789" }).listClients());
    expect(e.code).toBe("panel-auth");
    expect(e.message).not.toContain("not-the-token");
  });

  it("logs in once with the CSRF token and uses the session for reads and writes", async () => {
    const p = await runPanel3();
    const panel = login(p);
    await panel.listClients();
    await panel.bulkDisable(["carol"]);
    await panel.updateClient("dave", { ...((await panel.getClient("dave"))?.client ?? { email: "dave", limitIp: 0, totalGB: 0, expiryTime: 0, enable: false, tgId: 0, subId: "", reset: 0 }), enable: true });
    expect(row(p.dbPath, "SELECT enable FROM clients WHERE email = 'carol'")).toEqual({ enable: 0 });
    expect(row(p.dbPath, "SELECT enable FROM client_traffics WHERE email = 'dave'")).toEqual({ enable: 1 });
    expect(p.panel.calls()).toMatchObject({ "GET /csrf-token": 1, "POST /login": 1 });
  });

  it("logs in again, once, when the panel ends the session, and the refused write is made exactly once", async () => {
    const p = await runPanel3();
    const panel = login(p);
    await panel.panelVersion();
    p.panel.expireSessions();
    expect(await panel.bulkDisable(["alice"])).toEqual({ count: 1, skipped: [] });
    expect(p.panel.calls()).toMatchObject({ "POST /login": 2, "POST /panel/api/clients/bulkDisable": 2 });
    expect(row(p.dbPath, "SELECT enable FROM clients WHERE email = 'alice'")).toEqual({ enable: 0 });
    expect(disagreements(p.dbPath)).toEqual([]);
  });

  it("refuses a 2FA account with a clear message, and a wrong password without repeating it", async () => {
    const p = await runPanel3();
    p.panel.setTwoFactor(true);
    const twoFactor = await failure(login(p).listClients());
    expect([twoFactor.code, twoFactor.message]).toEqual(["panel-auth", "the panel asks for a 2FA code: use an API token (XUI_API_TOKEN) instead"]);
    p.panel.setTwoFactor(false);
    const wrong = await failure(login(p, { password: "hunter2-secret" }).listClients());
    expect(wrong.code).toBe("panel-auth");
    expect(wrong.message).toContain("Invalid username or password");
    expect(wrong.message).not.toContain("hunter2");
    expect(p.panel.calls()["POST /panel/api/clients/list"]).toBeUndefined();
  });
});

describe("failures", () => {
  it("a panel that is down is panel-unreachable, without the URL's credentials", async () => {
    const p = await runPanel3();
    await p.panel.stop();
    const withCredentials = p.panel.url.replace("http://", "http://admin:s3cret@");
    const e = await failure(api(p, { url: withCredentials }).listInbounds());
    expect(e.code).toBe("panel-unreachable");
    expect(e.message).toContain("refused the connection");
    expect(e.message).not.toContain("s3cret");
  });

  it("retries a read that lost its connection a bounded number of times, never a write", async () => {
    const p = await runPanel3();
    const panel = api(p);
    p.panel.drop("GET /panel/api/inbounds/list", 2);
    expect(await panel.listInbounds()).toHaveLength(4);
    expect(p.panel.calls()["GET /panel/api/inbounds/list"]).toBe(3);
    p.panel.drop("GET /panel/api/inbounds/list", 3);
    expect((await failure(panel.listInbounds())).code).toBe("panel-unreachable");
    p.panel.drop("POST /panel/api/clients/bulkDisable", 1);
    const write = await failure(panel.bulkDisable(["alice"]));
    expect([write.code, write.message]).toEqual(["panel-unreachable", expect.stringContaining("may have applied the change")]);
    expect(p.panel.calls()["POST /panel/api/clients/bulkDisable"]).toBe(1);
  });

  it("a panel that does not answer in time is panel-unreachable after timeoutMs", async () => {
    const p = await runPanel3();
    p.panel.stall("GET /panel/api/server/status");
    const started = Date.now();
    const e = await failure(api(p, { timeoutMs: 300 }).panelVersion());
    expect([e.code, e.message]).toEqual(["panel-unreachable", expect.stringContaining("did not answer GET /secret/panel/api/server/status within 300 ms")]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("success:false is panel-refused with the panel's msg, and a write is not repeated", async () => {
    const p = await runPanel3();
    p.panel.refuse("POST /panel/api/clients/update/:email", "Something went wrong (Duplicate email: bob\n)");
    const panel = api(p);
    const alice = (await panel.getClient("alice"))?.client;
    const e = await failure(panel.updateClient("alice", { ...(alice as NonNullable<typeof alice>), email: "bob" }));
    expect([e.code, e.message]).toEqual(["panel-refused", "the panel refused POST panel/api/clients/update/alice: Something went wrong (Duplicate email: bob)"]);
    expect(p.panel.calls()["POST /panel/api/clients/update/:email"]).toBe(1);
    const duplicate = await failure(panel.addClient({ email: "ALICE" }, [2]));
    expect([duplicate.code, duplicate.message]).toEqual(["panel-refused", "the panel refused POST panel/api/clients/add: Something went wrong (Duplicate email: ALICE)"]);
  });

  it("a wrong base path, or an answer 3x-ui would not send, is panel-invalid", async () => {
    const p = await runPanel3();
    const wrongPath = await failure(api(p, { url: p.panel.url.replace("/secret/", "/other/") }).listInbounds());
    expect([wrongPath.code, wrongPath.message]).toEqual(["panel-invalid", expect.stringContaining("check the URL's base path")]);
    const odd = http.createServer((req, res) => {
      const url = req.url ?? "";
      const body = url.includes("clients/list") ? { success: true, msg: "", obj: [{ id: 1, email: 5 }] } : url.includes("inbounds") ? { success: true, msg: "", obj: [] } : url.includes("status") ? "<html>" : { success: "yes" };
      res.writeHead(200, { "content-type": "application/json" }).end(typeof body === "string" ? body : JSON.stringify(body));
    });
    await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => {
      odd.closeAllConnections();
      odd.close();
    });
    const url = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/`;
    const panel = api(p, { url, token: "t" });
    for (const [call, words] of [
      [panel.panelVersion(), "something other than JSON"],
      [panel.getClient("alice"), "without 3x-ui's {success, msg, obj}"],
    ] as const) {
      const e = await failure(call);
      expect([e.code, e.message]).toEqual(["panel-invalid", expect.stringContaining(words)]);
    }
    const list = await failure(panel.listClients());
    expect([list.code, list.message]).toEqual(["panel-invalid", expect.stringContaining("with a body 3x-ui 3.x does not send (0.email: ")]);
  });
});

describe("HTTPS", () => {
  it("trusts a self-signed certificate given as ca, for this connection only", async () => {
    let haveOpenssl = true;
    try {
      execFileSync("openssl", ["version"], { stdio: "ignore" });
    } catch {
      haveOpenssl = false;
    }
    if (!haveOpenssl) {
      console.warn("openssl is not installed: the HTTPS test is skipped");
      return;
    }
    const dir = tempDir("panel-tls");
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const pem = readFileSync(cert, "utf8");
    const p = await runPanel3({ tls: { key: readFileSync(key, "utf8"), cert: pem } });
    expect(p.panel.url).toMatch(/^https:/);
    const untrusted = await failure(api(p).panelVersion());
    expect([untrusted.code, untrusted.message]).toEqual(["panel-unreachable", expect.stringContaining("TLS certificate this tool does not trust")]);
    expect(await api(p, { ca: pem }).panelVersion()).toBe("3.6.0");
    expect(await login(p, { ca: pem }).listClients()).toHaveLength(8);
    // Nothing global changed: the process's own HTTPS still refuses the certificate.
    await expect(fetch(`${p.panel.url}csrf-token`)).rejects.toThrow();
  });
});
