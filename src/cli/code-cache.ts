// Runs the CLI's bundle (one CommonJS file) with V8's code cache. Every `xui-admin` call is a
// new process, and compiling the bundle's ~400 KB, and then each function it calls, was most
// of the ~70 ms a call spent before its first line. Node 20 has no compile cache of its own
// (module.enableCompileCache came in 22), so the bundle is compiled through vm.Script with the
// cached data of an earlier run. What it buys, with the bundle made CommonJS for it (README,
// Performance): loading the CLI ~70 -> ~35 ms a call, `extend --all` at 20 000 clients ~7 %.
//
// Why not the v8-compile-cache package: it asks V8 for the cache before the code runs, when it
// holds the top level alone, and keeps it in a shared temporary folder. This one is made after
// a run (with every function that run compiled) and lives beside the bundle, where only who can
// already change the bundle can write it.
//
// V8 checks the cached data against the source's length, not its content: the file starts with
// the SHA-256 of the source it was made from, and any other source compiles afresh.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

const KEY_BYTES = 32;

/**
 * Runs the CommonJS file at `path` as Node would require it, compiled with the cache at
 * `cachePath` when that was made from this very source. Returns `save`, to call once the
 * program is done (the process's exit): when no cache served, it writes one (atomically; a
 * folder it cannot write in leaves things as they are).
 */
export function runWithCodeCache(path: string, cachePath: string): { cached: boolean; save: () => void } {
  const source = readFileSync(path, "utf8");
  const key = createHash("sha256").update(source).digest();
  let cachedData: Buffer | undefined;
  try {
    const file = readFileSync(cachePath);
    if (file.length > KEY_BYTES && file.subarray(0, KEY_BYTES).equals(key)) cachedData = file.subarray(KEY_BYTES);
  } catch {
    // No cache yet (or none readable): compiled afresh.
  }
  // No import() in the file: compiled from a cache, the script cannot import (Node 20 loses
  // its loader: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). build.mjs makes the bundle's require().
  const script = new Script(Module.wrap(source), { filename: path, cachedData });
  const cached = cachedData !== undefined && !script.cachedDataRejected;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, createRequire(path), module, path, dirname(path));
  return {
    cached,
    save: () => {
      if (cached) return;
      const temporary = `${cachePath}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, Buffer.concat([key, script.createCachedData()]));
        renameSync(temporary, cachePath);
      } catch {
        rmSync(temporary, { force: true });
      }
    },
  };
}
