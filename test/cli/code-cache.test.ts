// The CLI's launcher runs its bundle from V8's code cache: a cache serves only the source it
// was made from (V8 itself checks no more than the length), and a missing, stale or damaged
// one costs a compile, never a wrong or failed run. Each run is a process of its own, as each
// call is (within one process, V8 reuses what it compiled and never reads the cache again).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempFolders } from "../support/files.js";
import { repoRoot } from "../support/paths.js";

const temp = tempFolders("xui-code-cache-");

const launcher = join(repoRoot, "dist/cli/code-cache.cjs");

/** A CommonJS file that says which version of it ran, where, and what require found. */
function program(dir: string, version: "A" | "B"): string {
  const path = join(dir, "program.cjs");
  writeFileSync(path, `console.log("${version} " + require("node:path").basename(__dirname) + " " + typeof module.exports);\n`);
  return path;
}

/** Runs `path` in a process of its own, as bin/xui-admin.js runs the bundle. */
function run(path: string, cachePath: string): { cached: boolean; out: string } {
  const script = `const { runWithCodeCache } = require(${JSON.stringify(launcher)});
    const { cached, save } = runWithCodeCache(${JSON.stringify(path)}, ${JSON.stringify(cachePath)});
    process.once("exit", () => { save(); console.log(cached); });`;
  const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  expect(child.stderr).toBe("");
  const [out, cached] = child.stdout.trim().split("\n");
  return { cached: cached === "true", out: out as string };
}

/** A program in a folder of its own, run once: its cache written. */
function ranOnce(): { dir: string; path: string; cachePath: string } {
  const dir = temp();
  const path = program(dir, "A");
  const cachePath = join(dir, "program.cache");
  run(path, cachePath);
  return { dir, path, cachePath };
}

describe("runWithCodeCache (dist/cli/code-cache.cjs)", () => {
  it("writes a cache after the first run and runs from it after", () => {
    const dir = temp();
    const path = program(dir, "A");
    const cachePath = join(dir, "program.cache");
    const name = dir.split("/").pop() as string;
    expect(run(path, cachePath)).toEqual({ cached: false, out: `A ${name} object` });
    const file = readFileSync(cachePath);
    expect(file.subarray(0, 32).equals(createHash("sha256").update(readFileSync(path, "utf8")).digest())).toBe(true);
    expect(file.length).toBeGreaterThan(32);
    expect(run(path, cachePath)).toEqual({ cached: true, out: `A ${name} object` });
    // Nothing but the cache is left behind (no temporary file).
    expect(readdirSync(dir).sort()).toEqual(["program.cache", "program.cjs"]);
  });

  it("compiles afresh a source the cache was not made from, even of the same length, and runs the new code", () => {
    const { dir, path, cachePath } = ranOnce();
    const before = readFileSync(cachePath);
    program(dir, "B");
    const second = run(path, cachePath);
    expect(second.cached).toBe(false);
    expect(second.out.startsWith("B ")).toBe(true);
    // ... and the cache is the new source's now.
    expect(readFileSync(cachePath).subarray(0, 32).equals(before.subarray(0, 32))).toBe(false);
    expect(run(path, cachePath).cached).toBe(true);
  });

  it("runs through a damaged or truncated cache and writes it anew", () => {
    const { path, cachePath } = ranOnce();
    const good = readFileSync(cachePath);
    writeFileSync(cachePath, Buffer.concat([good.subarray(0, 32), Buffer.alloc(good.length - 32, 7)]));
    expect(run(path, cachePath)).toMatchObject({ cached: false, out: expect.stringMatching(/^A /) });
    expect(run(path, cachePath).cached).toBe(true);
    writeFileSync(cachePath, good.subarray(0, 20));
    expect(run(path, cachePath)).toMatchObject({ cached: false, out: expect.stringMatching(/^A /) });
  });

  it("runs without a cache where it cannot write one", () => {
    const dir = temp();
    const path = program(dir, "A");
    const cachePath = join(dir, "missing-folder", "program.cache");
    expect(run(path, cachePath)).toMatchObject({ cached: false, out: expect.stringMatching(/^A /) });
    expect(existsSync(join(dir, "missing-folder"))).toBe(false);
  });
});

describe("bin/xui-admin.js", () => {
  it("answers the same from its cache as without, and builds the cache beside the bundle (one per command; options alone: 'other')", () => {
    const cachePath = join(repoRoot, "dist/cli/xui-admin.cjs.other.cache");
    const call = () => spawnSync(process.execPath, ["bin/xui-admin.js", "--help"], { cwd: repoRoot, encoding: "utf8" });
    rmSync(cachePath, { force: true });
    const fresh = call();
    expect(fresh.status).toBe(0);
    expect(existsSync(cachePath)).toBe(true);
    const cached = call();
    expect(cached.status).toBe(0);
    expect(cached.stdout).toBe(fresh.stdout);
    expect(fresh.stdout).toContain("xui-admin");
  });
});
