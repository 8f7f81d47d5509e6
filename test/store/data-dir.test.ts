// Where our own files go when nothing says: never under the working directory.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataDir, dataFiles, userStateDir } from "../../src/store/data-dir.js";
import { tempFolders } from "../support/files.js";

const temp = tempFolders("xui-datadir-");

/** A system folder no user can create, root included: its parent is a file. */
function blockedSystemDir(): string {
  const file = join(temp(), "not-a-folder");
  writeFileSync(file, "");
  return join(file, "xui-admin-bot");
}

describe("the data folder", () => {
  it("is DATA_DIR when set", () => {
    expect(dataDir({ DATA_DIR: "/srv/bot", HOME: "/home/x" }, blockedSystemDir())).toBe("/srv/bot");
  });

  it("is the system folder when it exists and is writable, or can be created", () => {
    const existing = join(temp(), "xui-admin-bot");
    mkdirSync(existing);
    expect(dataDir({ HOME: "/home/x" }, existing)).toBe(existing);
    const creatable = join(temp(), "lib", "xui-admin-bot");
    expect(dataDir({ HOME: "/home/x" }, creatable)).toBe(creatable);
  });

  it("else the user's state folder: $XDG_STATE_HOME/xui-admin-bot, else ~/.local/state/xui-admin-bot", () => {
    const home = temp();
    const system = blockedSystemDir();
    expect(dataDir({ HOME: home, XDG_STATE_HOME: join(home, "state") }, system)).toBe(join(home, "state", "xui-admin-bot"));
    expect(dataDir({ HOME: home }, system)).toBe(join(home, ".local", "state", "xui-admin-bot"));
    // A relative XDG_STATE_HOME is invalid by the spec (and would depend on the working directory).
    expect(userStateDir({ HOME: home, XDG_STATE_HOME: "state" })).toBe(join(home, ".local", "state", "xui-admin-bot"));
  });

  it("holds bot.db and backups/ unless BOT_DATA_PATH or BACKUP_DIR say otherwise", () => {
    const system = blockedSystemDir();
    expect(dataFiles({ DATA_DIR: "/d" }, system)).toEqual({ botData: "/d/bot.db", backups: "/d/backups" });
    expect(dataFiles({ DATA_DIR: "/d", BOT_DATA_PATH: "/x/bot.db", BACKUP_DIR: "" }, system)).toEqual({ botData: "/x/bot.db", backups: "/d/backups" });
    expect(dataFiles({ BOT_DATA_PATH: "/x/bot.db", BACKUP_DIR: "/y" }, system)).toEqual({ botData: "/x/bot.db", backups: "/y" });
  });
});
