// Temporary folders for tests, so that no run leaves anything in the system's temp folder. A
// folder made inside a test (or its beforeEach) goes when that test finishes; one made while the
// file loads or in a beforeAll goes when the file is done (test/support/remove-temp-dirs.ts, a
// setup file), which also catches any a skipped test's onTestFinished never removed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished, TestRunner } from "vitest";

const made = new Set<string>();

function remove(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}

/** A new empty folder under os.tmpdir(), removed after the current test, or else the file. */
export function tempDir(prefix = "xui-test"): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  made.add(dir);
  if (TestRunner.getCurrentTest()) onTestFinished(() => remove(dir));
  return dir;
}

/** Removes every folder tempDir made that is still there. */
export function removeTempDirs(): void {
  for (const dir of made) remove(dir);
}
