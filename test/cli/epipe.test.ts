// `xui-admin list | head`: a reader that closes the pipe early is no failure of the command.
// The built bin runs as a real process, its stdout read once and then closed.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { buildSyntheticDb, buildXuiDb, tempDbPath } from "../support/xui-fixture.js";


/** Runs the bin, reads one chunk of its stdout and closes the pipe; its exit code and stderr. */
function runClosedEarly(args: string[]): Promise<{ code: number | null; stderr: string; read: number }> {
  const child = spawn(process.execPath, ["bin/xui-admin.js", ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let read = 0;
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.once("data", (chunk: Buffer) => {
    read = chunk.length;
    child.stdout.destroy();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr, read })));
}

describe("xui-admin with its stdout closed early", () => {
  // Several hundred KB of output: far more than a pipe holds, so the writes meet the closed end.
  it("list ends quietly with its own exit code, 0", async () => {
    const path = tempDbPath();
    buildSyntheticDb(path, { clients: 5000 });
    for (const args of [["list"], ["list", "--json"]]) {
      const run = await runClosedEarly([...args, "--db", path]);
      expect(run.read).toBeGreaterThan(0);
      expect(run.stderr, args.join(" ")).toBe("");
      expect(run.code, args.join(" ")).toBe(0);
    }
  });

  it("check keeps its exit code 1 (drift), and prints no stack trace", async () => {
    const path = tempDbPath();
    const clients = Array.from({ length: 5000 }, (_, i) => ({ email: `orphan-json-${i}`, noTrafficRow: true }));
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients }] });
    // --full: every finding, output long enough for the reader to close early.
    const run = await runClosedEarly(["check", "--full", "--db", path]);
    expect(run.read).toBeGreaterThan(0);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
  });
});
