// A 3.x panel with no x-ui.db beside this tool (another server, a panel on PostgreSQL): its
// state read through clients/list and inbounds/list into a mirror file, every change through
// its API. Against the stand-in over a real v3.6.0 file; changes asserted on that file through
// a connection of the test's own.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { createLogger } from "../../src/log.js";
import { XuiError } from "../../src/core/errors.js";
import { DAY_MS } from "../../src/core/units.js";
import { PanelApi } from "../../src/panel/panel-api.js";
import { XuiService, type RemoteOptions } from "../../src/service/xui-service.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { ADMIN, harnesses } from "../bot/harness.js";
import { runPanel3, type RunningPanel3 } from "../support/panel3/harness.js";
import { tempDir } from "../support/temp-dir.js";
import { disagreements } from "../support/xui3-agreement.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { captureCli } from "../support/cli.js";

const NOW = Date.now();

/** One value of the stand-in's file, through a fresh read-only connection. */
function column(path: string, sql: string, ...args: unknown[]): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get(...args);
  } finally {
    db.close();
  }
}
const expiry = (path: string, email: string) => column(path, "SELECT expiry_time FROM clients WHERE email = ?", email) as number | undefined;

/** The fields every face shows, for comparing what two reads of one panel give. */
const shown = (s: XuiService) =>
  s
    .clients()
    .map((c) => ({ ...c, updatedAt: null }))
    .sort((a, b) => a.email.localeCompare(b.email));

async function openRemote(running: RunningPanel3, options: RemoteOptions = {}) {
  const api = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 2000 });
  const mirror = join(tempDir("mirror"), "mirrors", "panel.db");
  try {
    const service = await XuiService.openRemote(api, mirror, options);
    return { api, mirror, service, [Symbol.dispose]: () => (service.close(), api.close()) };
  } catch (error) {
    api.close();
    throw error;
  }
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  return captureCli(args, env);
}

describe("the mirror of a panel read through its API", () => {
  it("shows every client as the panel's own file does, in a private file, and reports the panel's version", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    using remote = await openRemote(running);
    const local = XuiService.open(running.dbPath, { readonly: true });
    try {
      expect(shown(remote.service)).toEqual(shown(local));
      expect(remote.service.inbounds()).toEqual(local.inbounds());
      expect(remote.service.check().findings).toEqual(local.check().findings);
    } finally {
      local.close();
    }
    expect(remote.service.get("alice")?.inboundIds).toEqual([1, 2, 3]);
    expect(await remote.service.panelVersion()).toBe("3.6.0");
    expect(remote.service.isRemote).toBe(true);
    expect(remote.service.writer).toBe("panel");
    expect(statSync(remote.mirror).mode & 0o777).toBe(0o600);
    expect(statSync(join(remote.mirror, "..")).mode & 0o777).toBe(0o700);
  });

  it("follows another admin's change once older than its maximum age, and plans a change on the panel as it is", async () => {
    let now = NOW;
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    using remote = await openRemote(running, { now: () => now, mirrorMaxAgeMs: 5000 });
    // Another admin, through the panel itself: bob gets 10 more days and a comment.
    const other = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 2000 });
    const bob = (await other.getClient("bob"))!;
    await other.updateClient("bob", { ...bob.client, expiryTime: bob.client.expiryTime + 10 * DAY_MS, comment: "by the other admin" });
    other.close();
    const changed = expiry(running.dbPath, "bob")!;

    now += 1000;
    await remote.service.ensureFresh();
    expect(remote.service.get("bob")?.comment).toBe(""); // younger than 5 s: not read again
    now += 5000;
    await remote.service.ensureFresh();
    expect(remote.service.get("bob")).toMatchObject({ comment: "by the other admin", expiryTime: changed });

    // A change reads the panel first, whatever the mirror's age: it extends what is there now.
    const again = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 2000 });
    const fresh = (await again.getClient("bob"))!;
    await again.updateClient("bob", { ...fresh.client, comment: "changed again" });
    again.close();
    const result = await remote.service.apply({ kind: "extend", days: 2 }, { refs: ["bob"] });
    expect(result.diffs.count(true)).toBe(1);
    expect(expiry(running.dbPath, "bob")).toBe(changed + 2 * DAY_MS);
    expect(column(running.dbPath, "SELECT comment FROM clients WHERE email = 'bob'")).toBe("changed again");
    // ...and reads the panel again after: the mirror shows what the panel stored.
    expect(remote.service.get("bob")).toMatchObject({ expiryTime: changed + 2 * DAY_MS, comment: "changed again" });
    expect(disagreements(running.dbPath)).toEqual([]);
  });

  it("shares one read among overlapping refreshes, and runs overlapping changes one after the other", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    using remote = await openRemote(running, { mirrorMaxAgeMs: 0 });
    running.panel.resetCalls();
    await Promise.all([remote.service.ensureFresh(), remote.service.ensureFresh(), remote.service.ensureFresh()]);
    // One read running, one queued behind it for the callers that came while it ran.
    expect(running.panel.calls()["GET /panel/api/clients/list"]).toBeLessThanOrEqual(2);

    const alice = expiry(running.dbPath, "alice")!;
    const frank = expiry(running.dbPath, "frank")!;
    const results = await Promise.all([
      remote.service.apply({ kind: "extend", days: 1 }, { refs: ["alice"] }),
      remote.service.apply({ kind: "extend", days: 3 }, { refs: ["alice", "frank"] }),
      remote.service.ensureFresh().then(() => remote.service.clients().length),
    ]);
    expect(results[2]).toBe(8);
    expect(expiry(running.dbPath, "alice")).toBe(alice + 4 * DAY_MS);
    expect(expiry(running.dbPath, "frank")).toBe(frank + 3 * DAY_MS);
    expect(remote.service.get("alice")?.expiryTime).toBe(alice + 4 * DAY_MS);
    expect(disagreements(running.dbPath)).toEqual([]);
  });

  it("the panel down: a clear error, the last mirror still read, nothing written", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    using remote = await openRemote(running, { mirrorMaxAgeMs: 0 });
    const before = expiry(running.dbPath, "alice");
    await running.panel.stop();
    await expect(remote.service.ensureFresh()).rejects.toMatchObject({ code: "panel-unreachable", message: expect.stringMatching(/refused the connection/) as string });
    expect(remote.service.get("alice")?.email).toBe("alice");
    await expect(remote.service.apply({ kind: "extend", days: 1 }, { refs: ["alice"] })).rejects.toMatchObject({ code: "panel-unreachable" });
    expect(expiry(running.dbPath, "alice")).toBe(before);
    // Nothing to open at all: the same error, and no mirror left behind.
    const api = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 2000 });
    const path = join(tempDir("mirror"), "panel.db");
    await expect(XuiService.openRemote(api, path)).rejects.toMatchObject({ code: "panel-unreachable" });
    expect(existsSync(path)).toBe(false);
    api.close();
  });

  it("a panel answering nonsense or refusing: a clear error, the mirror as it was", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    using remote = await openRemote(running, { mirrorMaxAgeMs: 0 });
    running.panel.answer("GET /panel/api/clients/list", [{ email: 7, enable: "yes" }]);
    const error = await remote.service.ensureFresh().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(XuiError);
    expect(error).toMatchObject({ code: "panel-invalid", message: expect.stringMatching(/clients\/list with a body 3x-ui 3\.x does not send \(0\.id: /) as string });
    running.panel.answer("GET /panel/api/clients/list", undefined);
    running.panel.answer("GET /panel/api/inbounds/list", { not: "a list" });
    await expect(remote.service.ensureFresh()).rejects.toMatchObject({ code: "panel-invalid" });
    running.panel.answer("GET /panel/api/inbounds/list", undefined);
    running.panel.refuse("GET /panel/api/inbounds/list", "database is locked");
    await expect(remote.service.ensureFresh()).rejects.toMatchObject({ code: "panel-refused", message: expect.stringMatching(/database is locked/) as string });
    expect(remote.service.clients()).toHaveLength(8);
    running.panel.refuse("GET /panel/api/inbounds/list", null);
    await remote.service.ensureFresh();
    expect(remote.service.clients()).toHaveLength(8);
  });

  it("refuses a panel before 3.1, which has no clients API", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW), version: "3.0.4" });
    await expect(openRemote(running)).rejects.toMatchObject({ code: "panel-invalid", message: expect.stringMatching(/runs 3x-ui 3\.0\.4.*3\.1 or later/) as string });
  });
});

describe("xui-admin without a local x-ui.db", () => {
  // XUI_DB_PATH unset: the default /etc/x-ui/x-ui.db, absent on a machine without a panel.
  it.skipIf(existsSync("/etc/x-ui/x-ui.db"))("lists, shows, extends, creates, deletes and undoes through the panel's API", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    const data = tempDir("data");
    const env = { XUI_PANEL_URL: running.panel.url, XUI_API_TOKEN: running.token, DATA_DIR: data };

    const listed = await cli(env, "list", "--json");
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.out) as { email: string }[]).map((c) => c.email).sort()).toEqual(["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]);
    const alice = await cli(env, "show", "alice", "--json");
    expect(JSON.parse(alice.out)).toMatchObject({ email: "alice", inboundIds: [1, 2, 3], comment: "pays monthly" });

    const before = expiry(running.dbPath, "alice")!;
    expect((await cli(env, "extend", "--days", "3", "alice")).code).toBe(0);
    expect(expiry(running.dbPath, "alice")).toBe(before + 3 * DAY_MS);

    expect((await cli(env, "create", "--inbound", "2,3", "--email", "nina", "--days", "7")).code).toBe(0);
    expect(column(running.dbPath, "SELECT group_concat(inbound_id) FROM client_inbounds JOIN clients ON clients.id = client_id WHERE email = 'nina'")).toBe("2,3");

    const deleted = await cli(env, "delete", "bob", "--json");
    expect(deleted.code).toBe(0);
    expect(column(running.dbPath, "SELECT count(*) FROM clients WHERE email = 'bob'")).toBe(0);
    expect((await cli(env, "show", "bob")).code).toBe(2);
    const undone = await cli(env, "undo", String((JSON.parse(deleted.out) as { auditId: number }).auditId));
    expect(undone.code).toBe(0);
    expect(column(running.dbPath, "SELECT count(*) FROM clients WHERE email = 'bob'")).toBe(1);
    expect(disagreements(running.dbPath)).toEqual([]);
    // The audit log records the panel, not the mirror file.
    const audit = new AuditLog(join(data, "bot.db"));
    expect(audit.summaries(10)).toHaveLength(4);
    audit.close();
    expect(statSync(join(data, "mirrors")).isDirectory()).toBe(true);
  });

  it("with XUI_DB_PATH naming a missing file: the same; the panel down is a clear refusal", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    const env = { XUI_DB_PATH: join(tempDir("gone"), "x-ui.db"), XUI_PANEL_URL: running.panel.url, XUI_API_TOKEN: running.token, DATA_DIR: tempDir("data") };
    expect((await cli(env, "list")).out).toMatch(/8 clients/);
    const healthy = JSON.parse((await cli(env, "health", "--json")).out) as { checks: { name: string; ok: boolean; detail: string }[] };
    expect(healthy.checks[0]).toMatchObject({ name: "database", ok: true, detail: expect.stringMatching(/answers \(3x-ui 3\.6\.0\)/) as string });
    await running.panel.stop();
    const down = await cli(env, "list");
    expect(down.code).toBe(2);
    expect(down.err).toMatch(/^xui-admin: the panel at .* refused the connection/);
    const unhealthy = await cli(env, "health", "--json");
    expect(unhealthy.code).toBe(1);
    expect((JSON.parse(unhealthy.out) as { checks: { ok: boolean; detail: string }[] }).checks[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/API fails: .*refused the connection/) as string });
  });
});

describe("the HTTP API without a local x-ui.db", () => {
  it("reads and changes through the panel, and reads the panel again when the mirror is too old", async () => {
    let now = NOW;
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    using remote = await openRemote(running, { now: () => now, mirrorMaxAgeMs: 5000 });
    const token = "t".repeat(24);
    const app = createApi({ service: remote.service, token, logger: createLogger("silent", [token]) });
    const call = (method: string, path: string, body?: unknown) =>
      app.request(path, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

    const before = expiry(running.dbPath, "frank")!;
    expect((await call("POST", "/api/users/extend-expiry", { user_ids: ["frank"], days: 2 })).status).toBe(200);
    expect(expiry(running.dbPath, "frank")).toBe(before + 2 * DAY_MS);
    const created = await call("POST", "/api/users", { inbound_id: 2, more_inbound_ids: [4], email: "yuri", days: 1 });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { client: { inboundIds: number[] } }).client.inboundIds).toEqual([2, 4]);

    // Another admin deletes carol; the API sees it once its copy is older than 5 s.
    const other = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 2000 });
    await other.deleteClient("carol");
    other.close();
    expect((await call("GET", "/api/users/carol")).status).toBe(200);
    now += 5000;
    expect((await call("GET", "/api/users/carol")).status).toBe(404);

    await running.panel.stop();
    now += 5000;
    const down = await call("GET", "/api/users/frank");
    expect(down.status).toBe(503);
    expect(((await down.json()) as { code: string }).code).toBe("panel-unreachable");
  });
});

describe("the bot without a local x-ui.db", () => {
  const start = harnesses();
  it("reads the panel again when its copy is too old, changes through it, and shows the last copy while the panel is down", async () => {
    let now = NOW;
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    using remote = await openRemote(running, { now: () => now, mirrorMaxAgeMs: 5000 });
    const warnings: unknown[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const h = await start(undefined, { service: remote.service, logger }, {}, running.dbPath);
    expect((await h.say(ADMIN, "/list")).map((m) => m.text).join("\n")).toContain("carol");

    const other = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 2000 });
    await other.deleteClient("carol");
    other.close();
    now += 5000;
    expect((await h.say(ADMIN, "/list")).map((m) => m.text).join("\n")).not.toContain("carol");

    const before = expiry(running.dbPath, "alice")!;
    const [reply] = await h.say(ADMIN, "/extend alice 5");
    expect(reply?.text).toMatch(/Extend<\/b>: 1 changed/);
    expect(expiry(running.dbPath, "alice")).toBe(before + 5 * DAY_MS);

    await running.panel.stop();
    now += 5000;
    expect((await h.say(ADMIN, "/list")).map((m) => m.text).join("\n")).toContain("alice");
    expect(warnings).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/could not read the panel's state/) as string }));
    const [refused] = await h.say(ADMIN, "/extend alice 5");
    expect(refused?.text).toMatch(/refused the connection/);
  });
});
