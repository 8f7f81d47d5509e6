// xui-admin health with SERVERS_FILE: a database line per server (a local file opened, a remote
// 2.x or 3.x panel asked its version through its API, no mirror read), the exit code 1 when any
// server fails, and never a credential in what it prints.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { BotStore } from "../../src/store/bot-store.js";
import { runPanel2 } from "../support/panel2/harness.js";
import { runPanel3 } from "../support/panel3/harness.js";
import { tempDir } from "../support/temp-dir.js";
import { demoXui3 } from "../support/xui3-fixture.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { freePort } from "../support/free-port.js";
import { repoRoot } from "../support/paths.js";

/**
 * The bin as users run it (its bundle, from V8's code cache after the first call), run
 * asynchronously: the panels' stand-ins answer from this process.
 */
function bin(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ["bin/xui-admin.js", ...args], { cwd: repoRoot, env: { PATH: process.env.PATH ?? "", ...env } });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

async function health(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const code = await runCli(["health", ...args], { out: (t) => out.push(t), err: (t) => out.push(t) }, env);
  return { code, out: out.join("\n") };
}

/** de: a local 2.x file; nl: the 2.x stand-in (login); fi: the 3.x stand-in (token); a bot that polled just now. */
async function servers(extra: object[] = []) {
  const dir = tempDir("health-servers");
  const de = join(dir, "de.db");
  buildXuiDb(de, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }] });
  const nl = await runPanel2({ inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "bob" }] }] });
  const fi = await runPanel3({ fixture: demoXui3(Date.now()) });
  const file = join(dir, "servers.json");
  const list = [
    { name: "de", db: de },
    { name: "nl", url: nl.panel.url, username: nl.connection.username, password: nl.connection.password },
    { name: "fi", url: fi.panel.url, token: fi.token },
    ...extra,
  ];
  writeFileSync(file, JSON.stringify(list));
  const store = new BotStore(join(dir, "bot.db"));
  store.beat();
  store.close();
  const data = join(dir, "data");
  const env = { SERVERS_FILE: file, DATA_DIR: data, BOT_DATA_PATH: join(dir, "bot.db"), SERVER_TIMEOUT_MS: "2000", XUI_DB_PATH: join(dir, "absent.db") };
  return { env, data, secrets: [nl.connection.password as string, fi.token] };
}

describe("xui-admin health with SERVERS_FILE", () => {
  it("a database line per server, each kind checked its own way; exit 0 when all answer", async () => {
    const s = await servers();
    const r = await health(s.env);
    expect(r.code, r.out).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^ok {3}database de: .*de\.db opens \(3x-ui-2\), writable$/);
    expect(lines[1]).toMatch(/^ok {3}database nl: the panel answers \(3x-ui 2\.9\.\d+\)$/);
    expect(lines[2]).toMatch(/^ok {3}database fi: the panel answers \(3x-ui 3\.\d+\.\d+\)$/);
    expect(lines.slice(3)).toEqual([expect.stringMatching(/^ok {3}bot: polling/), "ok   api: off (API_TOKEN is not set)"]);
    // XUI_DB_PATH (absent) is not what is checked, and no mirror was read for it.
    expect(r.out).not.toContain("absent.db");
    expect(existsSync(s.data) ? readdirSync(s.data).filter((f) => f.endsWith(".db")) : []).toEqual([]);
    for (const secret of s.secrets) expect(r.out).not.toContain(secret);

    const json = await health(s.env, "--json");
    const report = JSON.parse(json.out) as { ok: boolean; checks: { name: string; server?: string; ok: boolean }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.server])).toEqual([["database", "de"], ["database", "nl"], ["database", "fi"], ["bot", undefined], ["api", undefined]]);
  });

  it("the bin says the same, and reads a remote panel's clients, from its code cache too", async () => {
    const s = await servers();
    const inProcess = await health(s.env);
    for (const round of [1, 2]) {
      const r = await bin(s.env, "health");
      expect(r.code, `round ${round}: ${r.out}`).toBe(0);
      // (The bot's heartbeat line says how long ago it beat: compared without its figure.)
      const lines = (text: string) => text.trim().split("\n").map((l) => l.replace(/\d+ ?s\b.*$/, ""));
      expect(lines(r.out)).toEqual(lines(inProcess.out));
      const list = await bin(s.env, "list", "--server", "fi", "--json");
      expect(list.code, list.out).toBe(0);
      expect((JSON.parse(list.out) as unknown[]).length).toBeGreaterThan(0);
    }
  });

  it("a panel that does not answer, or a missing local file, fails its own line and the whole check (exit 1)", async () => {
    const port = await freePort();
    const s = await servers([
      { name: "se", url: `http://127.0.0.1:${port}`, token: "a-token-for-a-panel-that-is-down" },
      { name: "pl", db: join(tempDir("gone"), "x-ui.db") },
    ]);
    const r = await health(s.env);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ok {3}database fi: /m);
    expect(r.out).toMatch(new RegExp(`^FAIL database se: the panel's API fails: .*127\\.0\\.0\\.1:${port}`, "m"));
    expect(r.out).toMatch(/^FAIL database pl: .*x-ui\.db: no such file/m);
    expect(r.out).not.toContain("a-token-for-a-panel-that-is-down");
  });

  it("an invalid SERVERS_FILE is one failing line that says what is wrong", async () => {
    const dir = tempDir("health-servers-bad");
    const file = join(dir, "servers.json");
    writeFileSync(file, JSON.stringify([{ name: "de" }]));
    const r = await health({ SERVERS_FILE: file, BOT_DATA_PATH: join(dir, "bot.db") });
    expect(r.code).toBe(1);
    expect(r.out.split("\n")[0]).toMatch(/^FAIL database: invalid configuration: SERVERS_FILE/);
  });
});
