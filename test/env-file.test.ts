// .env: read through dotenv by the bot, the API and xui-admin; the environment wins over it.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnvFile } from "../src/env-file.js";
import { tempFolders } from "./support/files.js";
import { repoRoot } from "./support/paths.js";
import { buildXuiDb } from "./support/xui-fixture.js";

const temp = tempFolders("xui-env-");
const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc";

/** Runs `entry` (relative to the repository) in `cwd` with only `env` (and PATH) set. */
function run(entry: string, cwd: string, env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, [join(repoRoot, entry), ...args], { cwd, env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 30_000 });
}

describe(".env", () => {
  it("adds what the environment lacks and leaves what it has", () => {
    const dir = temp();
    writeFileSync(join(dir, ".env"), 'XUI_DB_PATH=/from/file\nBACKUP_KEEP=3\nXUI_PANEL_PASSWORD="p#ss word"\n');
    const env: NodeJS.ProcessEnv = { XUI_DB_PATH: "/given" };
    loadEnvFile(join(dir, ".env"), env);
    expect(env).toEqual({ XUI_DB_PATH: "/given", BACKUP_KEEP: "3", XUI_PANEL_PASSWORD: "p#ss word" });
  });

  it("drops an empty TZ, which ICU would read as an unknown zone (UTC) instead of the machine's", () => {
    const dir = temp();
    writeFileSync(join(dir, ".env"), "TZ=\nBACKUP_KEEP=3\n");
    const env: NodeJS.ProcessEnv = {};
    loadEnvFile(join(dir, ".env"), env);
    expect(env).toEqual({ BACKUP_KEEP: "3" });
    // As systemd's EnvironmentFile passes it: set, and empty, before the process starts.
    const zone = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", `import { loadEnvFile } from ${JSON.stringify(join(repoRoot, "dist/env-file.js"))}; loadEnvFile(${JSON.stringify(join(dir, "none"))}); console.log(Intl.DateTimeFormat().resolvedOptions().timeZone)`],
      { env: { PATH: process.env.PATH, TZ: "" }, encoding: "utf8" },
    );
    expect(zone.stdout.trim()).not.toBe("");
    expect(zone.stdout.trim()).not.toBe("Etc/Unknown");
  });

  it("may be absent", () => {
    const env: NodeJS.ProcessEnv = {};
    loadEnvFile(join(temp(), ".env"), env);
    expect(env).toEqual({});
  });

  it("is read by xui-admin from its working directory, the environment winning", () => {
    const dir = temp();
    const db = join(dir, "x-ui.db");
    buildXuiDb(db, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }] });
    writeFileSync(join(dir, ".env"), `XUI_DB_PATH=${db}\nDATA_DIR=${join(dir, "from-file")}\n`);
    const byFile = run("bin/xui-admin.js", dir, {}, ["block", "alice"]);
    expect(byFile.status).toBe(0);
    expect(existsSync(join(dir, "from-file", "bot.db"))).toBe(true);
    const byEnv = run("bin/xui-admin.js", dir, { DATA_DIR: join(dir, "from-env") }, ["unblock", "alice"]);
    expect(byEnv.status).toBe(0);
    expect(existsSync(join(dir, "from-env", "bot.db"))).toBe(true);
    expect(byEnv.stderr).toBe(""); // dotenv says nothing
  });

  it("is read by the bot and by the API at start, the environment winning", () => {
    const dir = temp();
    writeFileSync(join(dir, ".env"), "BOT_LANGUAGE=fr\nADMIN_IDS=not-an-id\nAPI_PORT=99999\n");
    const bot = run("dist/main.js", dir, { BOT_TOKEN: TOKEN, ADMIN_IDS: "1", DATA_DIR: dir });
    expect(bot.status).toBe(1);
    expect(bot.stderr).toContain("BOT_LANGUAGE must be en or ru");
    expect(bot.stderr).not.toContain("ADMIN_IDS");
    const api = run("dist/api-main.js", dir, { API_TOKEN: "0123456789abcdef", BOT_LANGUAGE: "en", DATA_DIR: dir });
    expect(api.status).toBe(1);
    expect(api.stderr).toContain("API_PORT must be a port number");
    expect(api.stderr).not.toContain("BOT_LANGUAGE");
  });
});
