// XUI_APPLY=command: runs XUI_APPLY_COMMAND (e.g. `x-ui restart-xray`) without a shell.
import { execFile, type ExecFileException } from "node:child_process";
import { ApplyError, type ApplyFailure } from "./apply-failure.js";

/** Splits a command line into words; double or single quotes group words with spaces. */
export function splitCommand(line: string): string[] {
  const words = [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
  if (words.length === 0) throw new Error("XUI_APPLY_COMMAND is empty");
  return words;
}

/** Why the command failed, as data: it timed out, could not start, or ended badly. */
function failure(command: string, error: ExecFileException, stderr: string, timeoutMs: number): ApplyFailure {
  if (error.killed) return { kind: "command-timeout", command, ms: timeoutMs };
  // A spawn error (ENOENT, EACCES) carries a string code; an exit carries the exit code.
  if (typeof error.code === "string" && error.syscall?.startsWith("spawn")) return { kind: "command-not-started", command, said: error.code };
  const said = (stderr.split("\n").find((l) => l.trim() !== "") ?? "").trim().slice(0, 300);
  return { kind: "command-failed", command, ...(typeof error.code === "number" ? { exitCode: error.code } : {}), ...(error.signal ? { signal: error.signal } : {}), said };
}

export function commandRestarter(line: string, timeoutMs: number): () => Promise<void> {
  const [file, ...args] = splitCommand(line);
  return () =>
    new Promise((resolve, reject) => {
      execFile(file as string, args, { timeout: timeoutMs, windowsHide: true }, (error, _stdout, stderr) => {
        if (!error) return resolve();
        const why = error.killed ? `timed out after ${timeoutMs} ms` : `${error.message.split("\n")[0]}${stderr ? `: ${stderr.trim().slice(0, 300)}` : ""}`;
        reject(new ApplyError(`${line}: ${why}`, failure(line, error, stderr, timeoutMs)));
      });
    });
}
