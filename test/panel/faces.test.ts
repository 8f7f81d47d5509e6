// Every face on a 3x-ui 3.x panel, as on 2.x: the CLI (with XUI_PANEL_URL and XUI_API_TOKEN),
// the HTTP API and the bot, each changing clients through the panel's API (the stand-in over
// a real v3.6.0 file), the three stores agreeing afterwards.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { PanelApi } from "../../src/panel/panel-api.js";
import { XuiService } from "../../src/service/xui-service.js";
import { DAY_MS } from "../../src/core/units.js";
import { ADMIN, harnesses } from "../bot/harness.js";
import { runPanel3 } from "../support/panel3/harness.js";
import { buttons } from "../support/telegram-stand-in.js";
import { disagreements } from "../support/xui3-agreement.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { tempDbPath } from "../support/xui-fixture.js";
import { captureCli } from "../support/cli.js";

const NOW = Date.now();

const expiry = (path: string, email: string) => {
  const db = new Database(path, { readonly: true });
  const v = db.prepare("SELECT expiry_time FROM clients WHERE email = ?").pluck().get(email) as number;
  db.close();
  return v;
};
const enabled = (path: string, email: string) => {
  const db = new Database(path, { readonly: true });
  const v = db.prepare("SELECT enable FROM clients WHERE email = ?").pluck().get(email) as number;
  db.close();
  return v;
};

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  return captureCli(args, { DATA_DIR: tempDbPath("data").replace(/\.db$/, ""), ...env });
}

describe("xui-admin on a 3.x panel", () => {
  it("changes clients through the panel's API with XUI_PANEL_URL and XUI_API_TOKEN", async () => {
    const { panel, dbPath, token } = await runPanel3({ fixture: demoXui3(NOW) });
    const env = { XUI_PANEL_URL: panel.url, XUI_API_TOKEN: token };
    const before = expiry(dbPath, "alice");
    const extended = await cli(env, "extend", "--days", "3", "--db", dbPath, "--json", "alice");
    expect(extended.code).toBe(0);
    expect(expiry(dbPath, "alice")).toBe(before + 3 * DAY_MS);
    expect((await cli(env, "block", "--inbound", "1", "--db", dbPath)).code).toBe(0);
    expect(enabled(dbPath, "frank")).toBe(0);
    expect(disagreements(dbPath)).toEqual([]);
    const shown = JSON.parse((await cli({}, "show", "alice", "--db", dbPath, "--json")).out) as { inboundIds: number[] };
    expect(shown.inboundIds).toEqual([1, 2, 3]);
    expect((await cli({}, "show", "alice", "--db", dbPath)).out).toMatch(/inbound: {2}1 .*; also 2, 3/);
    // A new client on two inbounds at once.
    expect((await cli(env, "create", "--inbound", "2,3", "--email", "nina", "--days", "7", "--db", dbPath)).code).toBe(0);
    const nina = JSON.parse((await cli({}, "show", "nina", "--db", dbPath, "--json")).out) as { inboundIds: number[] };
    expect(nina.inboundIds).toEqual([2, 3]);
  });

  it("edits, renames and deletes through the panel, and undoes the delete", async () => {
    const { panel, dbPath, token } = await runPanel3({ fixture: demoXui3(NOW) });
    const env = { XUI_PANEL_URL: panel.url, XUI_API_TOKEN: token, DATA_DIR: tempDbPath("data").replace(/\.db$/, "") };
    const edited = await cli(env, "edit", "alice", "--comment", "vip", "--limit-ip", "4", "--email", "alicia", "--db", dbPath);
    expect(edited.code).toBe(0);
    const shown = JSON.parse((await cli({}, "show", "alicia", "--db", dbPath, "--json")).out) as { comment: string; limitIp: number; inboundIds: number[] };
    expect(shown).toMatchObject({ comment: "vip", limitIp: 4, inboundIds: [1, 2, 3] });
    const deleted = await cli(env, "delete", "alicia", "--db", dbPath, "--json");
    expect(deleted.code).toBe(0);
    expect((await cli({}, "show", "alicia", "--db", dbPath)).code).not.toBe(0);
    expect(disagreements(dbPath)).toEqual([]);
    const undone = await cli(env, "undo", String((JSON.parse(deleted.out) as { auditId: number }).auditId), "--db", dbPath);
    expect(undone.code).toBe(0);
    expect(undone.out).toMatch(/usage starts from zero/);
    expect(JSON.parse((await cli({}, "show", "alicia", "--db", dbPath, "--json")).out)).toMatchObject({ comment: "vip", limitIp: 4, inboundIds: [1, 2, 3] });
    expect(disagreements(dbPath)).toEqual([]);
  });

  it("without a panel refuses the change and says how to connect; a wrong token is refused by the panel", async () => {
    const { panel, dbPath } = await runPanel3({ fixture: demoXui3(NOW) });
    const alone = await cli({}, "extend", "--days", "3", "--db", dbPath, "alice");
    expect(alone.code).toBe(2);
    expect(alone.err).toMatch(/xui-admin panel-token.*XUI_PANEL_URL.*XUI_API_TOKEN/s);
    const wrong = await cli({ XUI_PANEL_URL: panel.url, XUI_API_TOKEN: "not-the-token" }, "extend", "--days", "3", "--db", dbPath, "alice");
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/token|login/i);
    expect(wrong.err).not.toContain("not-the-token");
  });
});

describe("the HTTP API on a 3.x panel", () => {
  it("extends and creates through the panel", async () => {
    const { panel, dbPath, token } = await runPanel3({ fixture: demoXui3(NOW) });
    const api = new PanelApi({ url: panel.url, token, timeoutMs: 5000 });
    const service = XuiService.open(dbPath, { panel: api });
    const app = createApi({ service, token: "t".repeat(24) });
    const call = (path: string, body: unknown) =>
      app.request(path, { method: "POST", headers: { authorization: `Bearer ${"t".repeat(24)}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const before = expiry(dbPath, "bob");
    const res = await call("/api/users/extend-expiry", { user_ids: ["bob"], days: 2 });
    expect(res.status).toBe(200);
    expect(expiry(dbPath, "bob")).toBe(before + 2 * DAY_MS);
    const created = await call("/api/users", { inbound_id: 2, more_inbound_ids: [4], email: "yuri", days: 1 });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { client: { email: string; inboundIds: number[] } }).client).toMatchObject({ email: "yuri", inboundIds: [2, 4] });
    expect(disagreements(dbPath)).toEqual([]);
    service.close();
    api.close();
  });
});

describe("the bot on a 3.x panel", () => {
  const start = harnesses();
  it("extends one client at once and blocks several after Confirm", async () => {
    const running = await runPanel3({ fixture: demoXui3(NOW) });
    const api = new PanelApi({ url: running.panel.url, token: running.token, timeoutMs: 5000 });
    const h = await start(undefined, {}, { panel: api }, running.dbPath);
    const before = expiry(running.dbPath, "alice");
    const [reply] = await h.say(ADMIN, "/extend alice 5");
    expect(reply?.text).toMatch(/Extend<\/b>: 1 changed/);
    expect(expiry(running.dbPath, "alice")).toBe(before + 5 * DAY_MS);
    const [preview] = await h.say(ADMIN, "/block alice bob");
    expect(enabled(running.dbPath, "bob")).toBe(1); // nothing before Confirm
    const confirm = buttons(preview).find((b) => b.text === "✅ Confirm")?.data as string;
    await h.pressData(ADMIN, preview!, confirm);
    expect([enabled(running.dbPath, "alice"), enabled(running.dbPath, "bob")]).toEqual([0, 0]);
    // Undo through the panel too.
    const [undoPreview] = await h.say(ADMIN, "/undo");
    await h.press(ADMIN, undoPreview!, "✅ Confirm");
    expect([enabled(running.dbPath, "alice"), enabled(running.dbPath, "bob")]).toEqual([1, 1]);
    expect(disagreements(running.dbPath)).toEqual([]);
    api.close();
  });
});
