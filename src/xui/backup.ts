// Online backups, consistent while the panel writes. A bare file copy can catch a
// half-written page or miss a hot journal; a copy made while we hold a read transaction
// cannot: in rollback-journal mode (the panel's) a SHARED lock keeps every writer from
// touching the main file, and the read that took the lock has rolled back any hot journal.
// That copy costs a few milliseconds where the page-by-page backup API cost ~100 ms at
// 20 000 clients. The copy is synchronous on purpose (an async one would hold the read lock
// until the event loop came back to it) and is taken before backupTo returns its promise;
// only syncing it to disk runs in the background, so callers can prepare their change
// meanwhile and await the promise before writing. WAL files (whose newest pages live in
// -wal) still go through the API. Either way the copy is written as a private .partial file
// (0600 from its creation: a backup holds panel credentials and every client's key), synced,
// then renamed into place, so a backup is whole or absent.
import { closeSync, fsync, openSync, readdirSync, readSync, realpathSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { promisify } from "node:util";
import { basename, dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { XuiError } from "../core/errors.js";
import { createPrivateFile, makePrivateDir } from "../core/private-files.js";

const STAMP = () => new Date().toISOString().replace(/[:.]/g, "-");
/** What STAMP makes, e.g. 2026-01-31T12-00-00-000Z: only files so named are ours to prune. */
const STAMP_PATTERN = String.raw`\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z`;
const COPY_CHUNK = 1024 * 1024;

/**
 * Copies `source` into `dir` as x-ui-<stamp>.db and keeps only the newest `keep` copies.
 * `conn`, an open connection to `source` outside any transaction, saves opening another.
 */
export async function backupDatabase(source: string, dir: string, keep = 20, conn?: Database.Database): Promise<string> {
  makePrivateDir(dir);
  const target = await backupTo(source, join(dir, `${basename(source, ".db")}-${STAMP()}.db`), conn);
  prune(dir, basename(source, ".db"), Math.max(1, keep)); // never the copy just made
  return target;
}

/** An online copy of `source` at exactly `target` (through `conn` when given, as above). */
export async function backupTo(source: string, target: string, conn?: Database.Database): Promise<string> {
  if (sameFile(source, target)) {
    throw new XuiError("bad-input", `${target} is the live database itself: a backup must go to another file`, [target]);
  }
  const partial = `${target}.partial`;
  const via = conn ?? new Database(source, { readonly: true, fileMustExist: true, timeout: 1000 });
  try {
    const wal = via.pragma("journal_mode", { simple: true }) === "wal";
    const fd = createPrivateFile(partial);
    try {
      // The backup API writes into the private, empty file through its own handle (SQLite keeps
      // an existing file's mode); fsync on ours makes the file's data durable all the same.
      if (wal) await via.backup(partial);
      else copyUnderReadLock(via, source, fd);
      await syncFd(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, target); // a backup is whole or absent
  } catch (error) {
    rmSync(partial, { force: true }); // a full disk leaves no half copy behind
    throw error;
  } finally {
    if (!conn) via.close();
  }
  return target;
}

/** Copies the file into `fd` while a read transaction holds SQLite's SHARED lock. */
function copyUnderReadLock(conn: Database.Database, source: string, fd: number): void {
  conn.exec("BEGIN");
  try {
    conn.prepare("SELECT count(*) FROM sqlite_master").get(); // takes the SHARED lock
    // By hand rather than copyFileSync, which gives the copy the source's mode (often 0644).
    const from = openSync(source, "r");
    try {
      const buffer = Buffer.allocUnsafe(COPY_CHUNK);
      for (let read = readSync(from, buffer); read > 0; read = readSync(from, buffer)) {
        for (let done = 0; done < read; ) done += writeSync(fd, buffer, done, read - done);
      }
    } finally {
      closeSync(from);
    }
  } finally {
    conn.exec("COMMIT");
  }
}

/**
 * fsync as one request to libuv's pool, issued now: the disk writes the copy while the caller
 * plans its change. (Opening the file asynchronously first made the sync itself wait for the
 * event loop, which a caller planning synchronously does not give back: at 20 000 clients the
 * first write then sat ~40 ms idle behind a sync that had only just started.)
 */
const syncFd: (fd: number) => Promise<void> = promisify(fsync);

/** The same file: one path after resolving links, or one inode (a hard link). */
function sameFile(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return join(resolveDir(dirname(p)), basename(p)); // a file still to be created
    }
  };
  if (real(a) === real(b)) return true;
  const x = statSync(a, { throwIfNoEntry: false });
  const y = statSync(b, { throwIfNoEntry: false });
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}

function resolveDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/** Deletes the oldest of the copies this module named (prefix-stamp.db) beyond `keep`; other
 *  files in the folder, such as x-ui-before-upgrade.db, are neither counted nor touched. */
function prune(dir: string, prefix: string, keep: number): void {
  const ours = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-${STAMP_PATTERN}\\.db$`);
  const copies = readdirSync(dir)
    .filter((f) => ours.test(f))
    .sort();
  for (const old of copies.slice(0, Math.max(0, copies.length - keep))) rmSync(join(dir, old), { force: true });
}
