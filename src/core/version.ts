// The version running, from package.json, read once and only when asked (every `xui-admin`
// call loads this module; most never print the version). Shown by `xui-admin --version`, the
// bot's /help for admins, GET /api/health and `xui-admin health`.
import { readFileSync } from "node:fs";

let cached: string | undefined;

export function version(): string {
  // This file compiles to dist/core/version.js and is bundled into dist/cli/xui-admin.cjs:
  // from src/, dist/ and the bundle alike, package.json is two folders up.
  cached ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return cached;
}
