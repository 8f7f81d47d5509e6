// xui-admin on a terminal: a --filter shows what will change and asks first. The question runs
// through the bundle as users run it (bin/xui-admin.js), the second call from the code cache
// the first one wrote: compiled from a cache, a script cannot import(), and the question loads
// readline on demand. A pseudo-terminal comes from script(1), where it is installed.
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileHash } from "../support/db-inspect.js";
import { tempFolders } from "../support/files.js";
import { repoRoot } from "../support/paths.js";
import { buildXuiDb } from "../support/xui-fixture.js";

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
const temp = tempFolders("xui-cli-terminal-");

/** Runs the bin on a pseudo-terminal and answers `answer` when it asks; its output and exit code. */
function onTerminal(args: string[], env: NodeJS.ProcessEnv, answer: string): Promise<{ output: string; code: string | undefined }> {
  const command = [process.execPath, join(repoRoot, "bin/xui-admin.js"), ...args].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qec", `${command}; echo "EXIT=$?"`, "/dev/null"], { cwd: repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  let answered = false;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (!answered && output.includes("[y/N]")) {
      answered = true;
      child.stdin.write(`${answer}\n`);
    }
  });
  return new Promise((resolve) =>
    child.on("close", () => {
      child.stdin.destroy();
      resolve({ output, code: /EXIT=(\d+)/.exec(output)?.[1] });
    }),
  );
}

describe.skipIf(!hasScript)("xui-admin asking on a terminal", () => {
  it("changes nothing when told no, and applies when told yes, from the code cache too", async () => {
    const dir = temp();
    const path = join(dir, "x-ui.db");
    const past = Date.now() - 86_400_000;
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "gone", expiryTime: past }, { email: "fine", expiryTime: 0 }] }] });
    const env = { ...process.env, BOT_DATA_PATH: join(dir, "bot.db"), BACKUP_DIR: join(dir, "backups") };
    const args = ["extend", "--filter", "expired", "--days", "3", "--db", path];
    // The first call of the command writes its cache; the calls after it run from it.
    rmSync(join(repoRoot, "dist/cli/xui-admin.cjs.extend.cache"), { force: true });
    const before = fileHash(path);
    for (const round of [1, 2]) {
      const no = await onTerminal(args, env, "n");
      expect(no.output, `round ${round}`).toContain("would change 1 client");
      expect(no.output).toContain("not confirmed: nothing was changed");
      expect(no.code).toBe("2");
      expect(fileHash(path)).toBe(before);
    }
    const yes = await onTerminal(args, env, "y");
    expect(yes.output).not.toContain("unexpected error");
    expect(yes.code).toBe("0");
    expect(fileHash(path)).not.toBe(before);
  });
});
