// Builds dist/ once before the suite (as `npm run build` does): the CLI and bot end-to-end
// tests run the compiled entry points exactly as `npm start` and the `xui-admin` bin do.
import { execFileSync } from "node:child_process";
import { repoRoot } from "./support/paths.js";

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: repoRoot, stdio: "inherit" });
}
