// Files that hold panel credentials and every client's key (backups of x-ui.db, the bot's own
// file with its audit log) are readable by their owner only: files 0600, folders 0700, set
// explicitly, because the process umask and a copied file's mode (x-ui.db is often 0644)
// would otherwise decide.
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** SQLite's siblings of a database file; it gives new ones the main file's mode. */
const SIBLINGS = ["-wal", "-shm", "-journal"];

/**
 * Creates `dir` and any missing parents as 0700. Folders that already exist keep their mode:
 * they may be shared (a BOT_DATA_PATH in /etc/x-ui, a --out into /root).
 */
export function makePrivateDir(dir: string): void {
  const leaf = resolve(dir);
  const first = mkdirSync(leaf, { recursive: true, mode: DIR_MODE });
  if (first === undefined) return;
  // mkdir's mode passes through the umask; every folder from the first created down is ours.
  for (let d = leaf; ; d = dirname(d)) {
    chmodSync(d, DIR_MODE);
    if (d === first) break;
  }
}

/** Opens a new `path` for writing as 0600; fails if it exists. */
function openNewPrivate(path: string): number {
  const fd = openSync(path, "wx", FILE_MODE);
  fchmodSync(fd, FILE_MODE); // a umask such as 0o277 would have taken the owner's write bit
  return fd;
}

/**
 * Creates `path` (empty, 0600) for writing, replacing a stale one; its folder is made
 * private when missing. Returns the open descriptor: the file is never wider than 0600.
 */
export function createPrivateFile(path: string): number {
  makePrivateDir(dirname(path));
  rmSync(path, { force: true });
  return openNewPrivate(path);
}

/**
 * Makes the SQLite file `path` private before it is opened: created 0600 when missing (SQLite
 * then creates -wal, -shm and -journal with that mode), tightened to 0600 with its siblings
 * when an earlier version left them wider.
 */
export function preparePrivateDatabase(path: string): void {
  makePrivateDir(dirname(path));
  try {
    closeSync(openNewPrivate(path));
    return;
  } catch (error) {
    // Exists already (perhaps just created by the bot or a CLI call beside us): keep it.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  for (const file of [path, ...SIBLINGS.map((s) => path + s)]) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || (stat.mode & 0o777) === FILE_MODE) continue; // absent siblings are normal
    try {
      chmodSync(file, FILE_MODE);
    } catch (error) {
      // Another user's file (shared through its group) keeps the mode its owner chose.
      if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
    }
  }
}
