// Runs test/support/panel-stand-in.ts as its own process, as the real panel would be.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";

export interface PanelStats {
  ticks: number;
  failed: number;
  errors: string[];
  conversions: number;
  disabled: number;
  longestTickMs: number;
  /** Usage each client got from committed ticks. */
  committed: Record<string, number>;
}

export async function startPanel(dbPath: string, tickMs = 100, seed = 1): Promise<{ stop(): Promise<PanelStats> }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "test/support/panel-stand-in.ts"), dbPath, String(tickMs), String(seed)], {
    cwd: repoRoot,
    // Without this tsx keeps a compile cache in the system's temp folder that outlives the run.
    env: { ...process.env, TSX_DISABLE_CACHE: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!out.includes("ready")) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`panel stand-in did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      return JSON.parse(out.slice(out.indexOf("ready") + 5).trim()) as PanelStats;
    },
  };
}
