// Issue 14's "done when": an admin with a local 2.x file (de), a remote 2.x panel reached
// through its own API (nl: the v2.9.4 stand-in, username + password) and a remote 3.x panel
// (fi: the v3.6.0 stand-in, an API token) manages all three from one chat and one CLI, with no
// local file for the remote ones. Every state is read back from each server's own file through
// fresh connections: the local x-ui.db, the 2.x stand-in's file (the service's check on it) and
// the 3.x stand-in's file (its three places agree).
import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it, onTestFinished } from "vitest";
import { createApi } from "../../src/api/app.js";
import { loadConfig } from "../../src/config.js";
import { DAY_MS, GB } from "../../src/core/units.js";
import { Fleet } from "../../src/service/fleet.js";
import { XuiService } from "../../src/service/xui-service.js";
import { ADMIN } from "../bot/harness.js";
import { jsonClient, rawRow } from "../support/db-inspect.js";
import { runPanel2 } from "../support/panel2/harness.js";
import { startPanel2 } from "../support/panel2/server.js";
import { runPanel3 } from "../support/panel3/harness.js";
import { type Person, type SentMessage } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { disagreements } from "../support/xui3-agreement.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { buildDemoDb, tempDbPath, type FixtureOptions } from "../support/xui-fixture.js";
import { fleetBot, fleetCli } from "./fleet-bot.js";
import { freePort } from "../support/free-port.js";

const NOW = Date.now();
const USER: Person = { id: 555, first_name: "Customer", language_code: "en" };
const ALL = ["de", "nl", "fi"] as const;
type Server = (typeof ALL)[number];

/** The remote 2.x panel's clients: alice and bob, as on the two other servers. */
const PANEL2: FixtureOptions = {
  inbounds: [
    { id: 1, protocol: "vless", clients: [{ email: "alice", expiryTime: NOW + 12 * DAY_MS, totalBytes: 50 * GB }, { email: "bob", expiryTime: NOW + 40 * DAY_MS }] },
    { id: 2, protocol: "trojan", clients: [{ email: "carol", expiryTime: 0 }] },
  ],
};

/** The 2.x panel's own file, checked as a local file is (its JSON and rows agree). */
function check2(path: string): string[] {
  const local = XuiService.open(path, { readonly: true });
  try {
    return local.check().findings.map((f) => `${f.email ?? ""}: ${f.message}`);
  } finally {
    local.close();
  }
}

/**
 * A client's expiry as each panel enforces it, read through a fresh connection to its own file:
 * client_traffics on 2.x (the 2.x panel's JSON must say the same), the clients table on 3.x.
 */
function expiryOn(server: Server, path: string, email: string): number {
  if (server === "fi") {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare("SELECT expiry_time FROM clients WHERE email = ?").pluck().get(email) as number;
    } finally {
      db.close();
    }
  }
  const row = Number(rawRow(path, email)?.expiry_time);
  expect(jsonClient(path, email)?.client.expiryTime, `${server}/${email}: JSON and row`).toBe(row);
  return row;
}

/** de (a local file), nl (a remote 2.x panel), fi (a remote 3.x panel) in one SERVERS_FILE. */
async function threeKinds(options: { nlPort?: number } = {}) {
  const dir = tempDir("fleet3");
  const de = tempDbPath("de");
  buildDemoDb(de, { now: NOW });
  const nl = await runPanel2(PANEL2, options.nlPort === undefined ? {} : { port: options.nlPort });
  const fi = await runPanel3({ fixture: demoXui3(NOW) });
  const serversFile = join(dir, "servers.json");
  writeFileSync(
    serversFile,
    JSON.stringify([
      { name: "de", db: de },
      { name: "nl", url: nl.panel.url, username: nl.connection.username, password: nl.connection.password },
      { name: "fi", url: fi.panel.url, token: fi.token },
    ]),
  );
  const env = { SERVERS_FILE: serversFile, DATA_DIR: join(dir, "data"), BOT_DATA_PATH: join(dir, "bot.db"), SERVER_TIMEOUT_MS: "2000" };
  const files: Record<Server, string> = { de, nl: nl.dbPath, fi: fi.dbPath };
  const expiries = (email: string) => Object.fromEntries(ALL.map((s) => [s, expiryOn(s, files[s], email)])) as Record<Server, number>;
  const secrets = [nl.connection.password as string, fi.token];
  return { de, nl, fi, env, files, expiries, secrets };
}

/** Each server's store agrees with itself after a change: the 2.x panel's check, the 3.x file's three places. */
function agreed(s: Awaited<ReturnType<typeof threeKinds>>) {
  expect(check2(s.nl.dbPath)).toEqual([]);
  expect(disagreements(s.fi.dbPath)).toEqual([]);
}

const plus = (start: Record<Server, number>, days: number, on: readonly Server[] = ALL) =>
  Object.fromEntries(ALL.map((s) => [s, on.includes(s) ? start[s] + days * DAY_MS : start[s]])) as Record<Server, number>;

describe("a local 2.x file, a remote 2.x panel and a remote 3.x panel, from one chat and one CLI", () => {
  it("find, /servers, one extend of alice on all three, self-lookup and undo, through the bot and the CLI", async () => {
    const s = await threeKinds();
    const start = s.expiries("alice");
    const bot = await fleetBot(s.env, { timeoutMs: 2_000 });
    try {
      // Cross-server find: alice on each server, named with it.
      const found = bot.texts(await bot.say(ADMIN, "/find alice"));
      for (const name of ["de/alice", "nl/alice", "fi/alice"]) expect(found).toContain(name);
      const cliFound = await fleetCli(s.env, "find", "alice");
      expect(cliFound.code, cliFound.err).toBe(0);
      for (const name of ALL) expect(cliFound.out).toMatch(new RegExp(`\\b${name}/alice\\b`));
      const json = await fleetCli(s.env, "find", "alice", "--json");
      expect((JSON.parse(json.out) as { email: string; server: string }[]).filter((c) => c.email === "alice").map((c) => c.server).sort()).toEqual(["de", "fi", "nl"]);

      // /servers: each kind with its panel and version.
      const [servers] = await bot.say(ADMIN, "/servers");
      expect(servers?.text).toMatch(/<b>de<\/b> — ✅ reachable · 3x-ui 2\.x · \d+ clients/);
      expect(servers?.text).toMatch(/<b>nl<\/b> — ✅ reachable · 3x-ui 2\.x 2\.9\.\d+ · 3 clients/);
      expect(servers?.text).toMatch(/<b>fi<\/b> — ✅ reachable · 3x-ui 3\.x 3\.6\.0 · 8 clients/);
      const [inbounds] = await bot.press(ADMIN, servers as SentMessage, "Inbounds: nl");
      expect(inbounds?.text).toMatch(/Inbounds of nl.*\n\n1\. /s);

      // The same customer on three servers: one preview naming each, one Confirm, each store changed.
      const [preview] = await bot.say(ADMIN, "/extend alice 30");
      for (const name of ["de/alice", "nl/alice", "fi/alice"]) expect(preview?.text).toContain(name);
      await bot.press(ADMIN, preview as SentMessage, "✅ Confirm");
      expect(s.expiries("alice")).toEqual(plus(start, 30));
      agreed(s);
      const entries = bot.audit.latest(3);
      expect(entries.map((e) => e.server).sort()).toEqual(["de", "fi", "nl"]);
      expect(new Set(entries.map((e) => e.batch)).size).toBe(1);

      // Self-lookup: the customer linked on all three (by the CLI) sees them in one reply.
      const linked = await fleetCli(s.env, "edit", "alice", "--tg-id", String(USER.id));
      expect(linked.code, linked.err).toBe(0);
      expect(jsonClient(s.nl.dbPath, "alice")?.client.tgId).toBe(USER.id);
      agreed(s);
      const [own] = await bot.say(USER, "/start");
      expect(own?.text).toMatch(/Your 3 subscriptions/);
      for (const name of ["de/alice", "nl/alice", "fi/alice"]) expect(own?.text).toContain(name);

      // Undo across servers from the bot: the extension, on the three servers at once.
      const [undo] = await bot.say(ADMIN, "/undo");
      for (const name of ["de/alice", "nl/alice", "fi/alice"]) expect(undo?.text).toContain(name);
      await bot.press(ADMIN, undo as SentMessage, "✅ Confirm");
      expect(s.expiries("alice")).toEqual(start);
      agreed(s);

      // And from the CLI: a new extension made by the CLI, undone by the CLI.
      const extended = await fleetCli(s.env, "extend", "--days", "7", "alice", "--json");
      expect(extended.code, extended.err).toBe(0);
      expect(s.expiries("alice")).toEqual(plus(start, 7));
      const { auditId } = JSON.parse(extended.out) as { auditId: number };
      const undone = await fleetCli(s.env, "undo", String(auditId));
      expect(undone.code, undone.err).toBe(0);
      expect(s.expiries("alice")).toEqual(start);
      agreed(s);
    } finally {
      bot.close();
    }
  });

  it("a bulk extend with the remote 2.x panel down: its part not done, naming it; the others applied (bot, CLI exit 3, API)", async () => {
    const s = await threeKinds();
    const alice = s.expiries("alice");
    const bob = s.expiries("bob");
    const bot = await fleetBot(s.env, { timeoutMs: 2_000 });
    try {
      await s.nl.panel.stop();

      // The bot: one preview over the three servers (nl's from its last copy), one Confirm.
      const [preview] = await bot.say(ADMIN, "/extend alice bob 5");
      for (const name of ["de/alice", "nl/alice", "fi/bob"]) expect(preview?.text).toContain(name);
      const reply = bot.texts(await bot.press(ADMIN, preview as SentMessage, "✅ Confirm"));
      expect(reply).toMatch(/\bnl\b/);
      expect(reply).toContain("nl/alice");
      for (const secret of s.secrets) expect(reply).not.toContain(secret);
      expect(s.expiries("alice")).toEqual(plus(alice, 5, ["de", "fi"]));
      expect(s.expiries("bob")).toEqual(plus(bob, 5, ["de", "fi"]));
      expect(bot.audit.latest(2).map((e) => e.server).sort()).toEqual(["de", "fi"]);
      agreed(s);

      // The CLI, started while nl is down: the others' part applied, exit 3, nl named.
      const partly = await fleetCli(s.env, "extend", "--days", "2", "alice", "bob", "--json");
      expect(partly.code, partly.err).toBe(3);
      expect(partly.err).toMatch(/server nl/);
      for (const secret of s.secrets) expect(partly.err + partly.out).not.toContain(secret);
      const applied = JSON.parse(partly.out) as { applied: { servers: { server: string }[] }; not_applied: string[] };
      expect(applied.applied.servers.map((p) => p.server).sort()).toEqual(["de", "fi"]);
      expect(applied.not_applied.sort()).toEqual(["nl/alice", "nl/bob"]);
      expect(s.expiries("alice")).toEqual(plus(alice, 7, ["de", "fi"]));

      // The API (opened while nl is down), on the servers named in the body: both parts.
      const config = loadConfig({ ...s.env, API_TOKEN: "t".repeat(24) }, "api", tempDir("sys"));
      const api = await Fleet.open(config.servers, { mirrorDir: join(tempDir("api"), "mirrors") }, { timeoutMs: 2_000 });
      try {
        const app = createApi({ service: api, token: "t".repeat(24), logger: pino({ level: "silent" }) });
        const res = await app.request("/api/users/extend-expiry", {
          method: "POST",
          headers: { authorization: `Bearer ${"t".repeat(24)}`, "content-type": "application/json" },
          body: JSON.stringify({ user_ids: ["alice"], days: 1, server: ["de", "nl", "fi"] }),
        });
        const body = (await res.json()) as { error: { message: string }; applied: { servers: { server: string }[] }; not_applied: string[] };
        expect(res.status).toBe(500);
        expect(body.applied.servers.map((p) => p.server).sort()).toEqual(["de", "fi"]);
        expect(body.not_applied).toEqual(["nl/alice"]);
        expect(JSON.stringify(body)).toMatch(/server nl/);
        for (const secret of s.secrets) expect(JSON.stringify(body)).not.toContain(secret);
        expect(s.expiries("alice")).toEqual(plus(alice, 8, ["de", "fi"]));
      } finally {
        api.close();
      }

      // /servers names the server that is down, and its error.
      const [down] = await bot.say(ADMIN, "/servers");
      expect(down?.text).toMatch(/<b>nl<\/b> — ⚠️ error[\s\S]*last error: /);
      expect(down?.text).toMatch(/<b>fi<\/b> — ✅ reachable/);
    } finally {
      bot.close();
    }
  });

  it("a remote panel down at start: the others start, its part fails naming it, and it is retried later", async () => {
    const port = await freePort();
    const s = await threeKinds({ nlPort: port });
    await s.nl.panel.stop();
    const start = s.expiries("alice");
    const bot = await fleetBot(s.env, { timeoutMs: 2_000, retryMs: 0 });
    try {
      const [servers] = await bot.say(ADMIN, "/servers");
      expect(servers?.text).toMatch(/<b>nl<\/b> — ⚠️ error[\s\S]*last error: /);
      expect(servers?.text).toMatch(/<b>de<\/b> — ✅ reachable/);
      // alice on nl cannot be known: the preview names it as not reachable, Confirm tries it.
      const [preview] = await bot.say(ADMIN, "/extend alice 3");
      expect(preview?.text).toContain("de/alice");
      expect(preview?.text).toContain("fi/alice");
      expect(preview?.text).toMatch(/Not reachable now \(server nl: .*\), tried again on Confirm: nl\/alice/);
      const done = bot.texts(await bot.press(ADMIN, preview as SentMessage, "✅ Confirm"));
      expect(done).toMatch(/Partly applied.*server nl/);
      expect(done).toMatch(/Not applied<\/b> \(1\):\nnl\/alice/);
      expect(s.expiries("alice")).toEqual(plus(start, 3, ["de", "fi"]));
      expect(bot.audit.latest(2).map((e) => e.server).sort()).toEqual(["de", "fi"]);
      // Its undo needs only the servers it changed.
      const [undo] = await bot.say(ADMIN, "/undo");
      await bot.press(ADMIN, undo as SentMessage, "✅ Confirm");
      expect(s.expiries("alice")).toEqual(start);

      // The panel comes back (same address): the next request finds it.
      const back = await startPanel2({ dbPath: s.nl.dbPath, username: "admin", password: s.nl.connection.password as string, port });
      onTestFinished(() => back.close());
      const [again] = await bot.say(ADMIN, "/servers");
      expect(again?.text).toMatch(/<b>nl<\/b> — ✅ reachable · 3x-ui 2\.x 2\.9\.\d+ · 3 clients/);
      const found = bot.texts(await bot.say(ADMIN, "/find alice"));
      expect(found).toContain("nl/alice");
      const [nlOnly] = await bot.say(ADMIN, "/extend nl/alice 4");
      expect(nlOnly?.text).toMatch(/Extend.*1 changed/);
      expect(s.expiries("alice")).toEqual(plus(start, 4, ["nl"]));
      expect(check2(s.nl.dbPath)).toEqual([]);
    } finally {
      bot.close();
    }
  });
});
