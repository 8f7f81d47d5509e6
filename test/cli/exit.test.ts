// xui-admin ends itself once its output has left (src/cli/main.ts, exitWhenWritten): a reader
// slower than the command still gets every byte, and the exit code is the command's.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { buildSyntheticDb, tempDbPath } from "../support/xui-fixture.js";

/** Runs the bin with its stdout read only after `waitMs` (the pipe fills up meanwhile). */
function runReadLate(args: string[], waitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["bin/xui-admin.js", ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.pause();
  setTimeout(() => child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString())).resume(), waitMs);
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("xui-admin's end", () => {
  it("writes all of a long output to a pipe read late before it exits", async () => {
    const path = tempDbPath();
    buildSyntheticDb(path, { clients: 3000 });
    const run = await runReadLate(["list", "--json", "--db", path], 500);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // Far more than a pipe holds (64 KB), and whole: it parses, every client in it.
    expect(run.stdout.length).toBeGreaterThan(256 * 1024);
    expect((JSON.parse(run.stdout) as unknown[]).length).toBe(3000);
  });

  it("keeps the command's exit code when it writes to stderr", async () => {
    const run = await runReadLate(["no-such-command"], 100);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "no-such-command"');
  });
});
