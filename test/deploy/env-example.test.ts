// .env.example lists every variable the code reads: the one place an administrator (and the
// systemd installer, which starts /etc/xui-admin-bot/env from it) learns what can be set.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";

/** Read from the environment but not settings of ours: where the user's state folder is. */
const SYSTEM = new Set(["HOME", "XDG_STATE_HOME"]);

function variablesRead(): Set<string> {
  const src = join(repoRoot, "src");
  const names = new Set<string>();
  for (const file of readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(src, file), "utf8");
    const patterns = [/\benv\.([A-Z][A-Z0-9_]+)/g, /\benv\["([A-Z][A-Z0-9_]+)"\]/g, /\b(?:get|given|envInt)\((?:env, )?"([A-Z][A-Z0-9_]+)"/g];
    // The configuration's schema: its keys are the variables.
    if (file === "config.ts") patterns.push(/^\s+([A-Z][A-Z0-9_]+): /gm);
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) names.add(m[1] as string);
  }
  return new Set([...names].filter((n) => !SYSTEM.has(n)));
}

describe(".env.example", () => {
  it("sets every variable the code reads, TZ included", () => {
    const listed = new Set([...readFileSync(join(repoRoot, ".env.example"), "utf8").matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const read = variablesRead();
    // The scan finds the configuration's own and the CLI's alike (a scan that found nothing would prove nothing).
    for (const name of ["BOT_TOKEN", "XUI_BUSY_TIMEOUT_MS", "XUI_PANEL_CA", "BACKUP_KEEP", "HEALTH_MAX_AGE_MS", "DATA_DIR"]) expect(read).toContain(name);
    expect([...read, "TZ"].filter((n) => !listed.has(n))).toEqual([]);
  });
});
