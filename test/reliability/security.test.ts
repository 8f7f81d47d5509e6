// Security and liveness of the running processes: the bot keeps serving other chats while
// x-ui.db stays locked past the retry budget; the API alone binds loopback, wants its token and
// logs no secret; hostile strings travel as data, never as SQL.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { DAY_MS } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { fileHash, jsonClient, rawRow } from "../support/db-inspect.js";
import { repoRoot } from "../support/paths.js";
import { FakeTelegram } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { buildDemoDb, buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

/** Starts a compiled entry point and resolves once it logged `ready`. */
async function start(entry: string, env: Record<string, string>, ready: string): Promise<{ child: ChildProcess; output: () => string }> {
  const dir = tempDir("xui-sec");
  const child = spawn(process.execPath, [join(repoRoot, entry)], { cwd: dir, env: { PATH: process.env.PATH, DATA_DIR: dir, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!out.includes(ready)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${entry} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out };
}

describe("a locked database", () => {
  it("gets the admin a clear 'busy, nothing changed' while other chats are served", async () => {
    const tg = new FakeTelegram();
    const dbPath = tempDbPath();
    buildDemoDb(dbPath);
    const apiRoot = await tg.listen();
    await start("dist/main.js", { BOT_TOKEN: tg.token, ADMIN_IDS: "1001", XUI_DB_PATH: dbPath, TELEGRAM_API_ROOT: apiRoot, XUI_BUSY_TIMEOUT_MS: "1500" }, "bot started");
    const hash = fileHash(dbPath);
    const holder = new Database(dbPath);
    holder.exec("BEGIN IMMEDIATE"); // another writer that does not let go
    try {
      const started = Date.now();
      tg.sendText({ id: 1001 }, "/extend alice 5");
      await new Promise((r) => setTimeout(r, 100));
      tg.sendText({ id: 4242 }, "/start");
      const stranger = await tg.waitFor((m) => m.chat_id === 4242, 5000);
      const strangerAt = Date.now() - started;
      const busy = await tg.waitFor((m) => m.chat_id === 1001 && /database is busy/.test(m.text ?? ""), 10_000);
      const busyAt = Date.now() - started;
      expect(stranger.text).toMatch(/Your Telegram ID is <code>4242<\/code>/);
      expect(strangerAt).toBeLessThan(busyAt); // the stranger was not held up behind the lock
      expect(busyAt).toBeGreaterThanOrEqual(1500);
      expect(busy.text).toMatch(/nothing changed/);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
      await tg.close();
    }
    expect(fileHash(dbPath)).toBe(hash);
  });
});

describe("the API process alone (npm run api)", () => {
  it("binds 127.0.0.1 by default, refuses a wrong token, and never logs a secret", async () => {
    const dbPath = tempDbPath();
    buildXuiDb(dbPath, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "a", expiryTime: Date.now() + DAY_MS }] }] });
    const token = "api-secret-token-0123456789";
    const { output } = await start("dist/api-main.js", { API_TOKEN: token, API_PORT: "0", XUI_DB_PATH: dbPath, LOG_LEVEL: "debug" }, "api started");
    const line = JSON.parse(output().split("\n").find((l) => l.includes("api started")) ?? "{}") as { host: string; port: number };
    expect(line.host).toBe("127.0.0.1");
    const url = `http://127.0.0.1:${line.port}/api/users/extend-expiry`;
    const post = (auth: string) => fetch(url, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify({ user_ids: ["a"], days: 1 }) });
    expect((await post(`Bearer ${token.slice(0, -1)}`)).status).toBe(401);
    expect((await post("")).status).toBe(401);
    expect((await post(`Bearer ${token}`)).status).toBe(200);
    expect(output()).not.toContain(token);
  });
});

describe("hostile strings", () => {
  it("are data, never SQL: through the CLI, the service and lookups", async () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [] }] });
    const evil = `x')OR('1'='1"--DROP_TABLE_inbounds`;
    const io = { out: () => undefined, err: () => undefined };
    expect(await runCli(["create", "--inbound", "1", "--email", evil, "--comment", "'; DELETE FROM client_traffics; --", "--db", path, "--data", tempDbPath("a")], io, {})).toBe(0);
    const service = XuiService.open(path);
    await service.apply({ kind: "block" }, { refs: [evil] });
    expect(service.find("' OR 1=1 --")).toEqual([]);
    expect(service.get("' OR '1'='1")).toBeUndefined();
    service.close();
    expect(rawRow(path, evil)?.enable).toBe(0);
    expect(jsonClient(path, evil)?.client.comment).toBe("'; DELETE FROM client_traffics; --");
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM inbounds").pluck().get()).toBe(1);
    db.close();
  });
});

/**
 * The argument text of every .prepare( / .exec( / .pragma( call, to its closing parenthesis
 * (SQL's own parentheses are balanced), wherever the statement starts: on the next line, or
 * after a ternary's condition.
 */
function sqlArguments(text: string): string[] {
  const out: string[] = [];
  for (const call of text.matchAll(/\.(?:prepare|exec|pragma)(?:<[^>]*>)?\(/g)) {
    const from = call.index + call[0].length;
    let depth = 1;
    let at = from;
    for (; at < text.length && depth > 0; at++) {
      if (text[at] === "(") depth++;
      else if (text[at] === ")") depth--;
    }
    out.push(text.slice(from, at - 1));
  }
  return out;
}

describe("SQL text", () => {
  // Every statement that is not a literal, with what it interpolates: column names the file's
  // own schema reported, numbers from the configuration, fixed WHERE clauses. Input travels as
  // bound parameters only; a new interpolating statement fails here until it is reviewed.
  const REVIEWED: Record<string, number> = {
    "xui/client-rows.ts": 1, // INSERT: the client_traffics columns this file has (a new row, or one put back)
    "store/bot-file.ts": 2, // ALTER TABLE: a column name and type from the constant LATE_AUDIT_COLUMNS; PRAGMA user_version: the migrations' count
    "service/sync.ts": 2, // UPDATE / INSERT: the same column names
    "xui/database.ts": 2, // PRAGMA busy_timeout: milliseconds from the configuration
    "xui/row-table.ts": 2, // SELECT: trafficSelect() (the columns this file has) plus a constant WHERE; the same columns as JSON arrays (wholeColumns)
    "xui/snapshot.ts": 1, // SELECT: the inbounds columns this file has
    "xui/share-source.ts": 1, // SELECT: the inbounds columns this file has (3.x share-address columns where present)
    "store/reminders.ts": 1, // UPDATE: the constant WHERE clause KEY
    "store/usage-history.ts": 1, // INSERT ... SELECT: one literal statement split over two lines
    "service/engine.ts": 1, // UPDATE client_traffics: ", reset = ?" when the file has that column (after a ternary)
  };

  it("is built from input nowhere: only the reviewed statements interpolate anything", () => {
    const src = join(repoRoot, "src");
    const found: Record<string, number> = {};
    for (const file of readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(join(src, file), "utf8");
      const statements = sqlArguments(text).filter((arg) => /`[^`]*\$\{|["'][^"']*["']\s*\+/.test(arg));
      if (statements.length > 0) found[file.split("\\").join("/")] = statements.length;
    }
    expect(found).toEqual(REVIEWED);
  });
});
