// The real bot process (the entry `npm start` runs) against the Bot API stand-in over HTTP,
// driven as people would; then the database is checked with the service layer.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { rawRow } from "../support/db-inspect.js";
import { repoRoot } from "../support/paths.js";
import { buttons, FakeTelegram, type SentMessage } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { buildDemoDb } from "../support/xui-fixture.js";

const ADMIN = { id: 1001, language_code: "en" };
/** A second admin who has never opened the bot: Telegram refuses their menu. */
const ABSENT_ADMIN = 4242;
const NOW = Date.now();

describe("the bot process end to end", () => {
  const tg = new FakeTelegram({ unknownChats: [ABSENT_ADMIN] });
  const dir = tempDir("xui-e2e");
  const dbPath = join(dir, "x-ui.db");
  let child: ChildProcess;
  let stderr = "";
  let stdout = "";

  beforeAll(async () => {
    buildDemoDb(dbPath, { now: NOW });
    const apiRoot = await tg.listen();
    child = spawn(process.execPath, [join(repoRoot, "dist/main.js")], {
      cwd: dir,
      env: { PATH: process.env.PATH, BOT_TOKEN: tg.token, ADMIN_IDS: `${ADMIN.id},${ABSENT_ADMIN}`, XUI_DB_PATH: dbPath, DATA_DIR: dir, TELEGRAM_API_ROOT: apiRoot, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    stdout = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!stdout.includes("bot started")) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`bot did not start:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The token never reaches the log.
    expect(stdout).not.toContain(tg.token);
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await tg.close();
  });

  const reply = async (chatId: number, after: number, match: RegExp): Promise<SentMessage> =>
    tg.waitFor((m) => m.chat_id === chatId && m.message_id > after && match.test(m.text ?? ""), 10_000);
  const lastId = () => Math.max(0, ...tg.sent().map((m) => m.message_id));

  it("registers the command menus; one Telegram refuses is a warning, and the bot runs on", () => {
    // "bot started" is logged after registration.
    expect(tg.commands.some((c) => JSON.stringify(c.scope) === JSON.stringify({ type: "chat", chat_id: ADMIN.id }))).toBe(true);
    const warning = stdout.split("\n").find((l) => l.includes("could not set the command menu"));
    expect(JSON.parse(warning ?? "{}")).toMatchObject({ level: 40, chatId: ABSENT_ADMIN, err: { message: expect.stringContaining("chat not found") } });
    expect(child.exitCode).toBeNull();
    // Its own files went to DATA_DIR, private.
    expect(statSync(join(dir, "bot.db")).mode & 0o777).toBe(0o600);
  });

  it("runs an /extend conversation", async () => {
    const before = rawRow(dbPath, "alice")?.expiry_time as number;
    let mark = lastId();
    tg.sendText(ADMIN, "/extend");
    await reply(ADMIN.id, mark, /Which clients\?/);
    mark = lastId();
    tg.sendText(ADMIN, "alice");
    await reply(ADMIN.id, mark, /How many days/);
    mark = lastId();
    tg.sendText(ADMIN, "14");
    await reply(ADMIN.id, mark, /1 changed/);
    expect(rawRow(dbPath, "alice")?.expiry_time).toBe(before + 14 * DAY_MS);
  });

  it("blocks clients in bulk from /list", async () => {
    let mark = lastId();
    tg.sendText(ADMIN, "/list expired");
    const list = await reply(ADMIN.id, mark, /Expired<\/b>: 5 client/).catch((e: Error) => {
      throw new Error(`${e.message}\n${stdout}\n${stderr}\n${JSON.stringify(tg.calls.slice(-6))}`);
    });
    const toggles = buttons(list).filter((b) => b.text.startsWith("⬜") && b.text !== "⬜ None");
    tg.pressButton(ADMIN, list, toggles[0]?.data as string);
    await tg.waitFor((m) => m.message_id === list.message_id && /Selected: 1\./.test(m.text ?? ""));
    tg.pressButton(ADMIN, list, toggles[1]?.data as string);
    await tg.waitFor((m) => m.message_id === list.message_id && /Selected: 2\./.test(m.text ?? ""));
    mark = lastId();
    tg.pressButton(ADMIN, list, buttons(list).find((b) => b.text === "⛔ Block")?.data as string);
    const preview = await reply(ADMIN.id, mark, /Block<\/b>: 2 of 2/);
    mark = lastId();
    tg.pressButton(ADMIN, preview, buttons(preview).find((b) => b.text === "✅ Confirm")?.data as string);
    await reply(ADMIN.id, mark, /2 changed/);
    const service = XuiService.open(dbPath, { readonly: true });
    expect(service.list({ kind: "expired" }).filter((c) => !c.enabled)).toHaveLength(2);
    service.close();
  });

  it("answers a linked user with their clients and a stranger with their ID", async () => {
    const mark = lastId();
    tg.sendText({ id: 100_001 }, "/start");
    const own = await reply(100_001, mark, /subscriptions/);
    expect(own.text).toMatch(/<b>bob<\/b>[\s\S]*<b>bob-phone<\/b>/);
    tg.sendText({ id: 31337 }, "/extend alice 99");
    const stranger = await reply(31337, mark, /Your Telegram ID is <code>31337<\/code>/);
    expect(stranger.text).not.toMatch(/alice/);
  });

  it("leaves a consistent database", () => {
    const service = XuiService.open(dbPath, { readonly: true });
    const kinds = service.check().findings.map((f) => f.kind);
    service.close();
    // Only the demo file's deliberate string tgIds remain: no drift from the bot's writes.
    expect(new Set(kinds)).toEqual(new Set(["bad-type"]));
    expect(stderr).toBe("");
  });
});

describe("the bot process with a bad configuration", () => {
  it("lists every problem, exits 1 and starts nothing", () => {
    const dir = tempDir("xui-badcfg");
    const run = spawnSync(process.execPath, [join(repoRoot, "dist/main.js")], {
      cwd: dir,
      env: { PATH: process.env.PATH, BOT_TOKEN: "oops", ADMIN_IDS: "me", BOT_LANGUAGE: "fr" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/invalid configuration:\n {2}- BOT_TOKEN does not look like a bot token.*\n {2}- ADMIN_IDS has values that are not Telegram user IDs: me\n {2}- BOT_LANGUAGE must be en or ru/);
    expect(run.stdout).toBe("");
  });
});
