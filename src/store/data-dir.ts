// Where the bot keeps its own files (the bot's SQLite file with the audit log, backups), the
// same for the bot, the API and every `xui-admin` call, wherever they are started from: a
// default under the working directory made `xui-admin history` run from / create /data/bot.db.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

/** The system-wide folder, used when it exists or can be created by this user. */
export const SYSTEM_DATA_DIR = "/var/lib/xui-admin-bot";

type Env = Record<string, string | undefined>;

const given = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
};

/** $XDG_STATE_HOME/xui-admin-bot, else ~/.local/state/xui-admin-bot. */
export function userStateDir(env: Env): string {
  const xdg = given(env, "XDG_STATE_HOME");
  // The XDG spec says a relative value is invalid and to be ignored.
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(given(env, "HOME") ?? homedir(), ".local", "state");
  return join(base, "xui-admin-bot");
}

/** A writable folder, or one whose nearest existing parent is a writable folder. Creates nothing. */
function usable(dir: string): boolean {
  let probe = dir;
  while (!existsSync(probe)) {
    if (dirname(probe) === probe) return false;
    probe = dirname(probe);
  }
  try {
    accessSync(probe, constants.W_OK | constants.X_OK);
    return statSync(probe).isDirectory();
  } catch {
    return false;
  }
}

/** DATA_DIR, else `systemDir` when usable, else the user's state folder. */
export function dataDir(env: Env, systemDir = SYSTEM_DATA_DIR): string {
  return given(env, "DATA_DIR") ?? (usable(systemDir) ? systemDir : userStateDir(env));
}

export interface DataFiles {
  /** The bot's SQLite file: conversations, selections, the audit log (BOT_DATA_PATH). */
  botData: string;
  /** Online backups of x-ui.db (BACKUP_DIR). */
  backups: string;
}

/** BOT_DATA_PATH and BACKUP_DIR, each defaulting to a file inside the data folder (looked up only when needed). */
export function dataFiles(env: Env, systemDir = SYSTEM_DATA_DIR): DataFiles {
  let dir: string | undefined;
  const inDir = (name: string) => join((dir ??= dataDir(env, systemDir)), name);
  return { botData: given(env, "BOT_DATA_PATH") ?? inDir("bot.db"), backups: given(env, "BACKUP_DIR") ?? inDir("backups") };
}

/** Local copies of 3.x panels read through their API (no x-ui.db here): <name>.db inside the data folder. */
export function mirrorDir(env: Env, systemDir = SYSTEM_DATA_DIR): string {
  return join(dataDir(env, systemDir), "mirrors");
}
