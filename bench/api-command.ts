// How `npm run api` starts the API (its Node flags and entry), read from package.json so that
// the bench measures the process exactly as it runs for real.
import { readFileSync } from "node:fs";

export function apiCommand(): string[] {
  const scripts = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> }).scripts;
  const command = /&& node (.+)$/.exec(scripts.api ?? "")?.[1];
  if (!command) throw new Error(`package.json: "api" is not "npm run build && node ... dist/api-main.js": ${scripts.api}`);
  return command.split(" ");
}
