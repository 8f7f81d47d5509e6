// XUI_APPLY=command: runs XUI_APPLY_COMMAND (e.g. `x-ui restart-xray`) without a shell.
import { execFile } from "node:child_process";

/** Splits a command line into words; double or single quotes group words with spaces. */
export function splitCommand(line: string): string[] {
  const words = [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
  if (words.length === 0) throw new Error("XUI_APPLY_COMMAND is empty");
  return words;
}

export function commandRestarter(line: string, timeoutMs: number): () => Promise<void> {
  const [file, ...args] = splitCommand(line);
  return () =>
    new Promise((resolve, reject) => {
      execFile(file as string, args, { timeout: timeoutMs, windowsHide: true }, (error, _stdout, stderr) => {
        if (!error) return resolve();
        const why = error.killed ? `timed out after ${timeoutMs} ms` : `${error.message.split("\n")[0]}${stderr ? `: ${stderr.trim().slice(0, 300)}` : ""}`;
        reject(new Error(`${line}: ${why}`));
      });
    });
}
