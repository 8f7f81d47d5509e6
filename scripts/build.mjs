// npm run build: compiles src/ into dist/, then bundles the CLI into one file. xui-admin is
// started for every scripted call, and resolving and loading its ~25 modules one by one cost
// ~20-60 ms per call; dist/cli/xui-admin.mjs (dependencies left as imports) loads as one.
/* global process */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
await build({
  entryPoints: [join(root, "dist/cli/main.js")],
  outfile: join(root, "dist/cli/xui-admin.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
