// File-system helpers for the tests of our own files: permission bits, a process umask for
// the length of a test, temp folders that are removed afterwards.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/** The permission bits of `path`, e.g. 0o600. */
export const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** The umasks a process may well run with, the common one and none at all, with their names for describe.each. */
export const UMASKS = [
  ["0022", 0o022],
  ["0000", 0o000],
] as const;

/** Runs `fn` with the process umask set to `mask`, then puts the old one back. */
export async function withUmask<T>(mask: number, fn: () => T | Promise<T>): Promise<T> {
  const old = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(old);
  }
}

/** For a test file: `temp()` makes a fresh folder, removed after each test. */
export function tempFolders(prefix = "xui-files-"): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
