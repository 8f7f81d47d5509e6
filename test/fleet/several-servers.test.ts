// One bot and one CLI over several servers at once: two local 2.x files and a 3.x file with
// its panel (the stand-in). The same customer on the three, found, extended, undone together;
// a server down leaves the others' part applied; an end user sees their clients of every
// server in one reply; SERVERS_FILE's problems are listed at once. Every state is read back
// from the files through fresh connections.
import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api/app.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { DAY_MS } from "../../src/core/units.js";
import { Fleet } from "../../src/service/fleet.js";
import { ADMIN } from "../bot/harness.js";
import { rawRow } from "../support/db-inspect.js";
import { runPanel3 } from "../support/panel3/harness.js";
import { FakeTelegram, type Person, type SentMessage } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { buildDemoDb, tempDbPath } from "../support/xui-fixture.js";
import { fleetBot, fleetCli } from "./fleet-bot.js";

const NOW = Date.now();
const USER: Person = { id: 555, first_name: "Customer", language_code: "en" };

/** alice's expiry as the panel enforces it: client_traffics on 2.x, the clients table on 3.x. */
function expiry(path: string, email: string): number {
  const row = rawRow(path, email);
  if (row && "expiry_time" in row) return Number(row.expiry_time);
  throw new Error(`no ${email} in ${path}`);
}
function expiry3(path: string, email: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT expiry_time FROM clients WHERE email = ?").pluck().get(email) as number;
  } finally {
    db.close();
  }
}

/** Three servers in a SERVERS_FILE; the 3.x panel's token comes from the environment. */
async function threeServers() {
  const dir = tempDir("fleet");
  const de = tempDbPath("de");
  const nl = tempDbPath("nl");
  buildDemoDb(de, { now: NOW });
  buildDemoDb(nl, { now: NOW, seed: 11 });
  const fi = await runPanel3({ fixture: demoXui3(NOW) });
  const serversFile = join(dir, "servers.json");
  writeFileSync(serversFile, JSON.stringify([{ name: "de", db: de }, { name: "nl", db: nl }, { name: "fi", db: fi.dbPath, url: fi.panel.url, token_env: "FI_TOKEN" }]));
  const env = { SERVERS_FILE: serversFile, FI_TOKEN: fi.token, DATA_DIR: join(dir, "data"), BOT_DATA_PATH: join(dir, "bot.db") };
  const alice = () => ({ de: expiry(de, "alice"), nl: expiry(nl, "alice"), fi: expiry3(fi.dbPath, "alice") });
  return { de, nl, fi, env, alice, token: fi.token };
}

describe("several servers: the bot and the CLI", () => {
  it("find, extend, self-lookup and undo across three servers; a server down leaves the others applied", async () => {
    const s = await threeServers();
    const start = s.alice();
    const bot = await fleetBot(s.env);
    try {
      // Cross-server find: alice on each server, named with it.
      const found = (await bot.say(ADMIN, "/find alice")).map((m) => m.text).join("\n");
      for (const name of ["de/alice", "nl/alice", "fi/alice"]) expect(found).toContain(name);

      // /servers: each reachable, the 3.x panel's version, and a button to its inbounds.
      const [servers] = await bot.say(ADMIN, "/servers");
      expect(servers?.text).toMatch(/<b>de<\/b> — ✅ reachable · 3x-ui 2\.x · \d+ clients/);
      expect(servers?.text).toMatch(/<b>fi<\/b> — ✅ reachable · 3x-ui 3\.x 3\.\d+\.\d+ · \d+ clients · \d+ online now/);
      const [inbounds] = await bot.press(ADMIN, servers as SentMessage, "Inbounds: nl");
      expect(inbounds?.text).toMatch(/Inbounds of nl.*\n\n1\. /s);

      // The same customer on three servers: one preview, a line per server, one Confirm.
      const [preview] = await bot.say(ADMIN, "/extend alice 30");
      for (const name of ["de/alice", "nl/alice", "fi/alice"]) expect(preview?.text).toContain(name);
      await bot.press(ADMIN, preview as SentMessage, "✅ Confirm");
      expect(s.alice()).toEqual({ de: start.de + 30 * DAY_MS, nl: start.nl + 30 * DAY_MS, fi: start.fi + 30 * DAY_MS });
      const entries = bot.audit.latest(3);
      expect(entries.map((e) => e.server).sort()).toEqual(["de", "fi", "nl"]);
      expect(new Set(entries.map((e) => e.batch)).size).toBe(1);

      // The CLI edits alice on every server: the customer's Telegram ID on all three.
      const linked = await fleetCli(s.env, "edit", "alice", "--tg-id", String(USER.id));
      expect(linked.code, linked.err).toBe(0);
      // Self-lookup: one reply with their client on each server.
      const [own] = await bot.say(USER, "/start");
      expect(own?.text).toMatch(/Your 3 subscriptions/);
      for (const name of ["de/alice", "nl/alice", "fi/alice"]) expect(own?.text).toContain(name);

      // Undo across servers: the admin's extension, on the three servers at once.
      const [undo] = await bot.say(ADMIN, "/undo");
      await bot.press(ADMIN, undo as SentMessage, "✅ Confirm");
      expect(s.alice()).toEqual(start);
      const history = (await bot.say(ADMIN, "/history 3")).map((m) => m.text).join("\n");
      expect(history).toMatch(/\[(de|nl|fi)\] #/);

      // The 3.x panel goes down: its part is not done, the others' is, and the CLI exits 3.
      await s.fi.panel.stop();
      const partly = await fleetCli({ ...s.env }, "extend", "--days", "5", "alice", "--json");
      expect(partly.code, partly.err).toBe(3);
      expect(partly.err).toMatch(/server fi/);
      expect(partly.err).toContain("fi/alice");
      expect(partly.err).not.toContain(s.token);
      expect(s.alice()).toEqual({ de: start.de + 5 * DAY_MS, nl: start.nl + 5 * DAY_MS, fi: start.fi });
      const applied = JSON.parse(partly.out) as { applied: { auditId: number; servers: { server: string }[] }; not_applied: string[] };
      expect(applied.applied.servers.map((p) => p.server).sort()).toEqual(["de", "nl"]);
      expect(applied.not_applied).toEqual(["fi/alice"]);
      // Only what was done is in the audit log; its undo reverts both servers' parts.
      const recorded = bot.audit.latest(2);
      expect(recorded.map((e) => e.server).sort()).toEqual(["de", "nl"]);
      const undone = await fleetCli(s.env, "undo", String(applied.applied.auditId));
      expect(undone.code, undone.err).toBe(0);
      expect(s.alice()).toEqual(start);

      // /servers names the server that is down, and its error.
      const [down] = await bot.say(ADMIN, "/servers");
      expect(down?.text).toMatch(/<b>fi<\/b> — ⚠️ error[\s\S]*last error: /);
    } finally {
      bot.close();
    }
  });

  it("--server and nl/alice act on one server; create needs one; the API answers per server", async () => {
    const s = await threeServers();
    const start = s.alice();
    const one = await fleetCli(s.env, "extend", "--days", "2", "nl/alice");
    expect(one.code, one.err).toBe(0);
    const only = await fleetCli(s.env, "extend", "--days", "1", "--server", "de", "alice");
    expect(only.code, only.err).toBe(0);
    expect(s.alice()).toEqual({ de: start.de + DAY_MS, nl: start.nl + 2 * DAY_MS, fi: start.fi });
    const list = await fleetCli(s.env, "list", "--server", "fi", "--json");
    expect((JSON.parse(list.out) as { server: string }[]).every((c) => c.server === "fi")).toBe(true);
    const create = await fleetCli(s.env, "create", "--inbound", "1", "--email", "zoe", "--days", "3");
    expect(create.code).toBe(2);
    expect(create.err).toMatch(/create needs one server/);
    expect((await fleetCli(s.env, "create", "--inbound", "1", "--email", "zoe", "--days", "3", "--server", "nl")).code).toBe(0);
    expect(rawRow(s.nl, "zoe")).toBeDefined();
    expect(rawRow(s.de, "zoe")).toBeUndefined();
    const servers = await fleetCli(s.env, "servers", "--json");
    expect((JSON.parse(servers.out) as { name: string; state: string }[]).map((x) => [x.name, x.state])).toEqual([["de", "reachable"], ["nl", "reachable"], ["fi", "reachable"]]);

    const tg = new FakeTelegram();
    const config = loadConfig({ ...s.env, BOT_TOKEN: tg.token, ADMIN_IDS: "1" }, "bot", tempDir("sys"));
    const service = await Fleet.open(config.servers, {});
    try {
      const app = createApi({ service, token: "t".repeat(24) });
      const auth = { authorization: `Bearer ${"t".repeat(24)}`, "content-type": "application/json" };
      const listed = (await (await app.request("/api/servers", { headers: auth })).json()) as { servers: { name: string }[] };
      expect(listed.servers.map((x) => x.name)).toEqual(["de", "nl", "fi"]);
      const users = (await (await app.request("/api/users?q=alice&server=de&server=fi", { headers: auth })).json()) as { clients: { server: string }[] };
      expect([...new Set(users.clients.map((c) => c.server))].sort()).toEqual(["de", "fi"]);
      const res = await app.request("/api/users/extend-expiry", { method: "POST", headers: auth, body: JSON.stringify({ user_ids: ["alice"], days: 1, server: "fi" }) });
      expect(res.status).toBe(200);
      expect(s.alice().fi).toBe(start.fi + DAY_MS);
    } finally {
      service.close();
    }
  });

  it("SERVERS_FILE: every problem at once, each naming its server, no secret quoted", () => {
    const dir = tempDir("fleet");
    const file = join(dir, "servers.json");
    writeFileSync(
      file,
      JSON.stringify([
        { name: "de", db: "/x/x-ui.db" },
        { name: "NL!", db: "/y" },
        { name: "fi" },
        { name: "de", db: "/z" },
        { name: "se", db: "/w", url: "https://se.example.com/p/", token_env: "SE_TOKEN" },
        { name: "us", url: "https://us.example.com/p/", token: "s3cret-token-value" },
        { name: "jp", db: "/v", url: "https://jp.example.com/", username: "admin", password: "hunter2-secret", colour: "red" },
      ]),
    );
    let problems: string[] = [];
    try {
      loadConfig({ SERVERS_FILE: file, BOT_TOKEN: "123:abcdefghijklmnopqrstuvwxyz", ADMIN_IDS: "1" }, "bot", dir);
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^SERVERS_FILE servers\[1\] \(NL!\) name: must be 1 to 16/),
      "SERVERS_FILE servers[2] (fi): needs db (a local x-ui.db) or url (the panel's API)",
      "SERVERS_FILE servers[3] (de): name de is used twice",
      "SERVERS_FILE servers[4] (se): token_env names SE_TOKEN, which is not set",
      "SERVERS_FILE servers[6] (jp): unknown field(s) colour",
    ]);
    expect(problems.join("\n")).not.toMatch(/s3cret|hunter2/);
  });
});
