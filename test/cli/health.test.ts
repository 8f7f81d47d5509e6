// xui-admin health: the database, the bot's polling loop (its heartbeat in the bot's file) and
// the API when enabled; one line per check, exit 0 or 1. Then the real processes: the bot
// polling the Telegram stand-in, health from the command line, the bot stopped.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { BotStore } from "../../src/store/bot-store.js";
import { startTestApi, type TestApi } from "../api/harness.js";
import { repoRoot } from "../support/paths.js";
import { FakeTelegram } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb, type FixtureInbound } from "../support/xui-fixture.js";
import { freePort } from "../support/free-port.js";

const VERSION = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const MIN = 60_000;
const inbounds: FixtureInbound[] = [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }];

let api: TestApi | undefined;
let holder: Database.Database | undefined;
afterEach(async () => {
  holder?.close();
  holder = undefined;
  await api?.stop();
  api = undefined;
});

/** A panel database and a data folder; `beat`: the heartbeat's age in ms, or "stopped" a minute ago. */
function setup(beat?: number | "stopped", variant?: "3.x") {
  const dir = tempDir("xui-health");
  const db = join(dir, "x-ui.db");
  buildXuiDb(db, { inbounds, ...(variant ? { variant } : {}) });
  if (beat !== undefined) {
    const store = new BotStore(join(dir, "bot.db"), { now: () => Date.now() - (beat === "stopped" ? MIN : beat) });
    if (beat === "stopped") store.markStopped();
    else store.beat();
    store.close();
  }
  return { dir, db };
}

async function health(db: string, env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["health", "--db", db, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("xui-admin health", () => {
  it("passes with one line per check when the database opens, the bot polled recently and the API is off", async () => {
    const { dir, db } = setup(10_000);
    const r = await health(db, { DATA_DIR: dir });
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual([
      `ok   database: ${db} opens (3x-ui-2), writable`,
      "ok   bot: polling: Telegram last answered 10 s ago",
      "ok   api: off (API_TOKEN is not set)",
    ]);
  });

  it("--json gives the same checks and the version", async () => {
    const { dir, db } = setup(10_000);
    const r = await health(db, { DATA_DIR: dir }, "--json");
    expect(JSON.parse(r.out)).toEqual({
      ok: true,
      version: VERSION,
      checks: [
        { name: "database", ok: true, detail: expect.stringContaining("writable") },
        { name: "bot", ok: true, detail: expect.stringContaining("polling") },
        { name: "api", ok: true, detail: expect.stringContaining("off") },
      ],
    });
  });

  it("fails when the bot never polled, stopped, or last polled longer ago than HEALTH_MAX_AGE_MS", async () => {
    const never = setup();
    expect(await health(never.db, { DATA_DIR: never.dir })).toMatchObject({ code: 1, out: expect.stringContaining(`FAIL bot: not running: it has never polled Telegram with ${join(never.dir, "bot.db")}`) });
    const stopped = setup("stopped");
    expect(await health(stopped.db, { DATA_DIR: stopped.dir })).toMatchObject({ code: 1, out: expect.stringMatching(/FAIL bot: not running: stopped 60 s ago \(\d{4}-/) });
    const stale = setup(3 * MIN);
    expect(await health(stale.db, { DATA_DIR: stale.dir })).toMatchObject({ code: 1, out: expect.stringMatching(/FAIL bot: not running: Telegram last answered its polling 3 min ago \(.*\); more than 2 min means it stopped or cannot reach Telegram/) });
    // A longer allowance, and one too short to mean anything.
    expect(await health(stale.db, { DATA_DIR: stale.dir, HEALTH_MAX_AGE_MS: String(5 * MIN) })).toMatchObject({ code: 0 });
    expect(await health(stale.db, { DATA_DIR: stale.dir, HEALTH_MAX_AGE_MS: "1000" })).toMatchObject({ code: 2, err: expect.stringContaining("HEALTH_MAX_AGE_MS") });
  });

  it("fails when the database is missing, locked or read-only for the bot", async () => {
    const { dir, db } = setup(0);
    expect((await health(join(dir, "nope.db"), { DATA_DIR: dir })).out).toContain(`FAIL database: cannot open ${join(dir, "nope.db")}: no such file`);
    holder = new Database(db);
    holder.exec("BEGIN EXCLUSIVE");
    const locked = await health(db, { DATA_DIR: dir });
    expect(locked).toMatchObject({ code: 1, out: expect.stringContaining(`FAIL database: ${db} is locked by another program`) });
    holder.exec("ROLLBACK");
    const newer = setup(0, "3.x");
    expect(await health(newer.db, { DATA_DIR: newer.dir })).toMatchObject({ code: 1, out: expect.stringContaining(`FAIL database: ${newer.db} is read-only for the bot`) });
  });

  it("calls the API's health route when API_TOKEN is set, a wildcard host on loopback", async () => {
    const { dir, db } = setup(0);
    api = await startTestApi({ inbounds });
    const env = { DATA_DIR: dir, API_TOKEN: "x".repeat(20), API_PORT: String(api.port) };
    const url = `http://127.0.0.1:${api.port}/api/health`;
    expect(await health(db, { ...env, API_HOST: "0.0.0.0" })).toMatchObject({ code: 0, out: expect.stringContaining(`ok   api: ${url} answers 200`) });
    expect((await health(db, { ...env, API_HOST: "0.0.0.0" })).out).not.toContain("restart");
    const closed = await freePort();
    expect(await health(db, { ...env, API_PORT: String(closed) })).toMatchObject({ code: 1, out: expect.stringContaining(`FAIL api: no answer from http://127.0.0.1:${closed}/api/health (ECONNREFUSED)`) });
  });
});

describe("health of the real bot process", () => {
  let child: ChildProcess | undefined;
  const tg = new FakeTelegram();
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    await tg.close();
  });

  it("passes while the bot polls, answers --version, and says the bot stopped after SIGTERM", async () => {
    const { dir, db } = setup();
    const env = { PATH: process.env.PATH ?? "", XUI_DB_PATH: db, DATA_DIR: dir, API_TOKEN: "t".repeat(20), API_PORT: String(await freePort()) };
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, "bin/xui-admin.js"), ...args], { cwd: dir, env, encoding: "utf8", timeout: 30_000 });
    expect(cli("--version").stdout).toBe(`xui-admin-bot ${VERSION}\n`);
    child = spawn(process.execPath, [join(repoRoot, "dist/main.js")], {
      cwd: dir,
      env: { ...env, BOT_TOKEN: tg.token, ADMIN_IDS: "1001", TELEGRAM_API_ROOT: await tg.listen(), LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!stdout.includes("api started")) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`bot did not start:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // An idle long poll answers after 30 s; a message makes it answer now.
    tg.sendText({ id: 31337 }, "hello");
    await tg.waitFor((m) => m.chat_id === 31337, 10_000);
    const running = cli("health");
    expect(running.stdout).toMatch(/^ok {3}database: .*\nok {3}bot: polling: Telegram last answered \d+ s ago\nok {3}api: .* answers 200\n$/);
    expect(running.status).toBe(0);
    const exited = new Promise((r) => child?.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    const stopped = cli("health");
    expect(stopped.status).toBe(1);
    expect(stopped.stdout).toMatch(/FAIL bot: not running: stopped \d+ s ago/);
    expect(stopped.stdout).toMatch(/FAIL api: no answer/);
  });
});
