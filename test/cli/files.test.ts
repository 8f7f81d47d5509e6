// xui-admin and the files it makes: in the data folder whatever the working directory,
// private, and never a backup over the live database.
import { chmodSync, existsSync, linkSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, runCli } from "../../src/cli/main.js";
import { fileHash } from "../support/db-inspect.js";
import { modeOf, tempFolders, UMASKS, withUmask } from "../support/files.js";
import { buildXuiDb } from "../support/xui-fixture.js";

const temp = tempFolders("xui-cli-files-");

function panelDb(): string {
  const path = join(temp(), "x-ui.db");
  buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }, { email: "bob" }] }] });
  chmodSync(path, 0o644);
  return path;
}

/** A system data folder no one can create (its parent is a file): the user's state folder is used. */
function blockedSystemDir(): string {
  const file = join(temp(), "file");
  writeFileSync(file, "");
  return join(file, "xui-admin-bot");
}

async function cli(argv: string[], env: NodeJS.ProcessEnv, systemDataDir = blockedSystemDir()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, env, systemDataDir);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("xui-admin's own files", () => {
  it("`history` and a change run from / create nothing there: the audit log goes to the user's state folder", async () => {
    const db = panelDb();
    const home = temp();
    const root = readdirSync("/").sort();
    const cwd = process.cwd();
    process.chdir("/");
    try {
      expect((await cli(["history", "--db", db], { HOME: home })).code).toBe(EXIT.ok);
      expect((await cli(["block", "alice", "--db", db], { HOME: home })).code).toBe(EXIT.ok);
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync("/").sort()).toEqual(root);
    const state = join(home, ".local", "state", "xui-admin-bot");
    expect(readdirSync(state).filter((f) => !f.endsWith("-wal") && !f.endsWith("-shm"))).toEqual(["bot.db"]);
    expect([state, join(state, "bot.db")].map(modeOf)).toEqual([0o700, 0o600]);
    const history = await cli(["history", "--db", db, "--json"], { HOME: home });
    expect(JSON.parse(history.out)).toMatchObject([{ actor: "cli", operation: "block" }]);
  });

  it("DATA_DIR, BOT_DATA_PATH and BACKUP_DIR still say where", async () => {
    const db = panelDb();
    const dir = temp();
    await cli(["block", "bob", "--db", db], { DATA_DIR: join(dir, "data") });
    expect(existsSync(join(dir, "data", "bot.db"))).toBe(true);
    await cli(["backup", "--db", db], { DATA_DIR: join(dir, "data"), BOT_DATA_PATH: join(dir, "elsewhere.db"), BACKUP_DIR: join(dir, "bk") });
    expect(readdirSync(join(dir, "bk"))).toHaveLength(1);
    expect(readdirSync(join(dir, "data"))).not.toContain("backups");
  });

  it.each(UMASKS)("a backup of a 0644 x-ui.db is 0600 with umask %s, to a folder or a named file", async (_, mask) => {
    const db = panelDb();
    const dir = temp();
    const env = { DATA_DIR: join(dir, "data") };
    const toFolder = await withUmask(mask, () => cli(["backup", "--db", db, "--json"], env));
    const toFile = await withUmask(mask, () => cli(["backup", "--db", db, "--out", join(dir, "copy.db")], env));
    expect([toFolder.code, toFile.code]).toEqual([EXIT.ok, EXIT.ok]);
    const made = (JSON.parse(toFolder.out) as { backup: string }).backup;
    expect([made, join(dir, "copy.db")].map(modeOf)).toEqual([0o600, 0o600]);
    expect([join(dir, "data"), join(dir, "data", "backups")].map(modeOf)).toEqual([0o700, 0o700]);
  });

  it("`backup --out` naming the live database is refused with exit 2, by any name", async () => {
    const db = panelDb();
    const hard = join(temp(), "hard-link.db");
    linkSync(db, hard);
    const hash = fileHash(db);
    for (const out of [db, join(db, "..", "x-ui.db"), hard]) {
      const run = await cli(["backup", "--db", db, "--out", out], { DATA_DIR: temp() });
      expect(run.code).toBe(EXIT.refused);
      expect(run.err).toMatch(/^xui-admin: .* is the live database itself: a backup must go to another file$/);
    }
    expect(fileHash(db)).toBe(hash);
    expect(readdirSync(join(db, ".."))).toEqual(["x-ui.db"]);
  });
});
