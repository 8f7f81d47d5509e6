// Online backups through SQLite's backup API: consistent while the panel writes, unlike a
// file copy, which can catch a half-written page or miss a hot journal.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import Database from "better-sqlite3";

const STAMP = () => new Date().toISOString().replace(/[:.]/g, "-");

/** Copies `source` into `dir` as x-ui-<stamp>.db and keeps only the newest `keep` copies. */
export async function backupDatabase(source: string, dir: string, keep = 20): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const target = await backupTo(source, join(dir, `${basename(source, ".db")}-${STAMP()}.db`));
  prune(dir, basename(source, ".db"), keep);
  return target;
}

/** An online copy of `source` at exactly `target`. */
export async function backupTo(source: string, target: string): Promise<string> {
  mkdirSync(dirname(target), { recursive: true });
  const conn = new Database(source, { readonly: true, fileMustExist: true, timeout: 1000 });
  try {
    await conn.backup(target);
  } finally {
    conn.close();
  }
  return target;
}

function prune(dir: string, prefix: string, keep: number): void {
  const copies = readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith(".db"))
    .sort();
  for (const old of copies.slice(0, Math.max(0, copies.length - keep))) rmSync(join(dir, old), { force: true });
}
