// npm run build: compiles src/ into dist/, then bundles the CLI into one file. xui-admin is
// started for every scripted call, and resolving and loading its ~25 modules one by one cost
// ~20-60 ms per call; dist/cli/xui-admin.cjs (dependencies left as requires) loads as one.
// CommonJS, because Node 20 runs a CommonJS file from V8's code cache (bin/xui-admin.js through
// src/cli/code-cache.ts) and has no such way for an ES module. What is imported only on demand
// (the 3.x panel's API client, and zod) is compiled only when a call needs it.
/* global process */
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
// The ES module bundle and its chunks of earlier versions, and the code caches of another build.
for (const old of ["chunks", "xui-admin.mjs", ...readdirSync(join(root, "dist/cli")).filter((f) => f.endsWith(".cache"))]) {
  rmSync(join(root, "dist/cli", old), { recursive: true, force: true });
}
const commonJs = { bundle: true, platform: "node", format: "cjs", logLevel: "warning" };
await build({
  ...commonJs,
  entryPoints: [join(root, "dist/cli/main.js")],
  outfile: join(root, "dist/cli/xui-admin.cjs"),
  // Small pure-JS dependencies go into the bundle (resolving a package from node_modules costs
  // a call some milliseconds); the native better-sqlite3 cannot, and zod is loaded on demand.
  external: ["better-sqlite3", "zod"],
  // import.meta is an ES module's: the bundle's own URL in its stead (version.ts finds
  // package.json from it; dist/cli/ is as deep as dist/core/).
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  // import() becomes require(): a script compiled from V8's code cache cannot import (Node 20
  // loses the loader it was compiled with: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING, found on
  // the terminal's confirmation, which imports readline when asked).
  supported: { "dynamic-import": false },
});
// The launcher's part (bin/xui-admin.js is CommonJS too: an ES module there would start Node's
// ES module loader, ~10 ms of every call).
await build({ ...commonJs, entryPoints: [join(root, "dist/cli/code-cache.js")], outfile: join(root, "dist/cli/code-cache.cjs") });
