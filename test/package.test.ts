// package.json lists what the code uses, and package-lock.json agrees with it (`npm ci`
// installs exactly the lockfile, so a stale entry there is installed on every server).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/paths.js";

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** "node_modules/a/node_modules/@b/c" -> "@b/c". */
const nameOf = (path: string) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);

describe("dependencies", () => {
  it("every runtime dependency is imported by src/ (dotenv included), and nothing else is listed", () => {
    const imported = new Set(sources(join(repoRoot, "src")).flatMap((f) => [...readFileSync(f, "utf8").matchAll(/from "((?:@[^/"]+\/)?[^./"][^/"]*)[^"]*"/g)].map((m) => m[1] as string)));
    expect(Object.keys(pkg.dependencies).filter((d) => !imported.has(d))).toEqual([]);
    expect(pkg.dependencies).not.toHaveProperty("@grammyjs/menu");
  });

  it("package-lock.json has the same direct dependencies, and no entry nothing needs", () => {
    const root = lock.packages[""] as LockEntry;
    expect(root.dependencies).toEqual(pkg.dependencies);
    expect(root.devDependencies).toEqual(pkg.devDependencies);
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    // Every package in the lockfile is reached from the direct dependencies (by name).
    const entries = Object.entries(lock.packages).filter(([path]) => path !== "");
    const reached = new Set<string>();
    const queue = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
      if (reached.has(name)) continue;
      reached.add(name);
      for (const [path, entry] of entries) {
        if (nameOf(path) === name) queue.push(...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies }));
      }
    }
    expect(entries.map(([path]) => nameOf(path)).filter((n) => !reached.has(n))).toEqual([]);
  });
});
