// npm run build: compiles src/ into dist/, then bundles the CLI into one file. xui-admin is
// started for every scripted call, and resolving and loading its ~25 modules one by one cost
// ~20-60 ms per call; dist/cli/xui-admin.mjs (dependencies left as imports) loads as one.
// What is imported only on demand (the 3.x panel's API client and zod, ~45 ms to compile) goes
// into a chunk of its own, loaded only by the calls that need it.
/* global process */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
rmSync(join(root, "dist/cli/chunks"), { recursive: true, force: true });
await build({
  entryPoints: { "xui-admin": join(root, "dist/cli/main.js") },
  outdir: join(root, "dist/cli"),
  outExtension: { ".js": ".mjs" },
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
