// Runs xui-admin in this process, as a script would run it, and keeps what it printed.
import { runCli } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `xui-admin ARGS` with `env` (and `systemDataDir`, the data folder tried without DATA_DIR). */
export async function captureCli(args: string[], env: NodeJS.ProcessEnv, systemDataDir?: string): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  const code = systemDataDir === undefined ? await runCli(args, io, env) : await runCli(args, io, env, systemDataDir);
  return { code, out: out.join("\n"), err: err.join("\n") };
}
