import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";
import { tempFolders } from "./support/files.js";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc";
const temp = tempFolders("xui-config-");

describe("configuration", () => {
  it("lists every problem at once", () => {
    let error: unknown;
    try {
      loadConfig({ ADMIN_IDS: "12, abc", BOT_LANGUAGE: "de", TELEGRAM_API_ROOT: "not a url", LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "BOT_TOKEN is required (the token @BotFather gave you)",
      "ADMIN_IDS has values that are not Telegram user IDs: abc",
      "TELEGRAM_API_ROOT must be a URL such as https://api.telegram.org",
      "BOT_LANGUAGE must be en or ru",
      expect.stringMatching(/^LOG_LEVEL must be one of fatal, error/),
    ]);
  });

  it("applies defaults, treats empty values as unset, and parses admin IDs", () => {
    const c = loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1, 22 333", XUI_DB_PATH: "", BOT_LANGUAGE: "ru", DATA_DIR: "/srv/xui" });
    expect(c).toMatchObject({ xuiDbPath: "/etc/x-ui/x-ui.db", botDataPath: "/srv/xui/bot.db", backupDir: "/srv/xui/backups", auditKeepDays: 180, language: "ru", logLevel: "info", telegramApiRoot: undefined });
    expect([...c.adminIds]).toEqual([1, 22, 333]);
  });

  it("refuses to keep the bot's data inside the panel's database", () => {
    expect(() => loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", XUI_DB_PATH: "/etc/x-ui/x-ui.db", BOT_DATA_PATH: "/etc/x-ui/../x-ui/x-ui.db" })).toThrow(/BOT_DATA_PATH must not be the panel's database/);
  });

  it("keeps its files in the data folder, never under the working directory", () => {
    const home = temp();
    const blocked = join(home, "file");
    writeFileSync(blocked, ""); // the system folder cannot be made under a file, root or not
    const c = loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", HOME: home }, "bot", join(blocked, "xui-admin-bot"));
    expect(c).toMatchObject({ botDataPath: join(home, ".local/state/xui-admin-bot/bot.db"), backupDir: join(home, ".local/state/xui-admin-bot/backups") });
    const given = loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", DATA_DIR: "/d", BOT_DATA_PATH: "/x/bot.db", AUDIT_KEEP_DAYS: "30" });
    expect(given).toMatchObject({ botDataPath: "/x/bot.db", backupDir: "/d/backups", auditKeepDays: 30 });
    expect(() => loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", AUDIT_KEEP_DAYS: "0" })).toThrow(/AUDIT_KEEP_DAYS must be at least 1/);
  });

  it("keeps the mirror of a panel read through its API in the data folder, 5 s old at most unless told", () => {
    expect(loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", DATA_DIR: "/d" }).mirror).toEqual({ dir: "/d/mirrors", maxAgeMs: 5000 });
    expect(loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", DATA_DIR: "/d", MIRROR_MAX_AGE_MS: "0" }).mirror).toEqual({ dir: "/d/mirrors", maxAgeMs: 0 });
    expect(() => loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", MIRROR_MAX_AGE_MS: "soon" })).toThrow(/MIRROR_MAX_AGE_MS must be a whole number/);
  });

  it("rejects a malformed token and an empty admin list", () => {
    expect(() => loadConfig({ BOT_TOKEN: "nope", ADMIN_IDS: " , " })).toThrow(/BOT_TOKEN does not look like a bot token[\s\S]*ADMIN_IDS must list at least one/);
  });
});

describe("configuration of the HTTP API", () => {
  it("is off without API_TOKEN, on with it, on loopback port 8888 by default", () => {
    expect(loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1" }).api).toBeNull();
    expect(loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", API_TOKEN: "0123456789abcdef" }).api).toEqual({ token: "0123456789abcdef", host: "127.0.0.1", port: 8888 });
  });

  it("alone (npm run api) needs API_TOKEN but no bot settings", () => {
    expect(loadConfig({ API_TOKEN: "0123456789abcdef", API_PORT: "9000" }, "api").api).toMatchObject({ port: 9000 });
    expect(() => loadConfig({}, "api")).toThrow(/API_TOKEN is required to run the API/);
    expect(() => loadConfig({ API_TOKEN: "short", API_PORT: "99999" }, "api")).toThrow(/API_TOKEN must be at least 16 characters[\s\S]*API_PORT must be a port number/);
  });
});

describe("configuration of live apply", () => {
  it("defaults to none and asks for what each mode needs", () => {
    expect(loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1" }).apply).toEqual({ mode: "none" });
    expect(() => loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", XUI_APPLY: "command" })).toThrow(/XUI_APPLY_COMMAND is required when XUI_APPLY=command/);
    expect(() => loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", XUI_APPLY: "panel", XUI_PANEL_URL: "https://127.0.0.1:2053/x/" })).toThrow(
      /XUI_PANEL_USERNAME is required when XUI_APPLY=panel[\s\S]*XUI_PANEL_PASSWORD is required/,
    );
    expect(loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", XUI_APPLY: "command", XUI_APPLY_COMMAND: "x-ui restart-xray" }).apply).toEqual({
      mode: "command",
      command: "x-ui restart-xray",
      debounceMs: 10_000,
      maxWaitMs: 30_000,
      timeoutMs: 30_000,
    });
    expect(loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", XUI_APPLY: "command", XUI_APPLY_COMMAND: "x", XUI_APPLY_MAX_WAIT_MS: "60000" }).apply).toMatchObject({ maxWaitMs: 60_000 });
    expect(() => loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", XUI_APPLY_MAX_WAIT_MS: "soon" })).toThrow(/XUI_APPLY_MAX_WAIT_MS must be a whole number/);
    expect(() => loadConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: "1", XUI_APPLY: "reload" })).toThrow(/XUI_APPLY must be none, command or panel/);
  });
});
