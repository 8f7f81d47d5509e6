// Lower layers never import higher ones: the core vocabulary < panel drivers (xui/, panel/) and the
// bot's own file (store/) < the service < the faces (bot/, cli/, api/).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/paths.js";

/** Which top-level folders of src/ a folder may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  xui: ["core"],
  store: ["core"],
  apply: ["core"],
  panel: ["core"],
  service: ["core", "xui", "panel"],
  // The faces speak to panels only through the service: never to a driver.
  bot: ["core", "service", "store", "apply"],
  cli: ["core", "service", "store"],
  api: ["core", "service", "apply"],
};

function imports(): { from: string; to: string }[] {
  const src = join(repoRoot, "src");
  const out: { from: string; to: string }[] = [];
  for (const file of readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(src, file), "utf8");
    for (const m of text.matchAll(/from "(\.[^"]+)"/g)) {
      const target = relative(src, normalize(join(src, dirname(file), m[1] as string)));
      out.push({ from: file, to: target });
    }
  }
  return out;
}

const layer = (path: string): string => (path.includes("/") ? (path.split("/")[0] as string) : "");

describe("layering", () => {
  it("no module imports a layer above its own", () => {
    const wrong = imports().filter(({ from, to }) => {
      const a = layer(from);
      const b = layer(to);
      return a in ALLOWED && b !== a && b !== "" && !(ALLOWED[a] as string[]).includes(b);
    });
    expect(wrong).toEqual([]);
  });
});
