import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Real x-ui.db files people published: test/fixtures/real in the repository, or $XUI_FIXTURES_DIR. */
export function realFixturesDir(): string {
  return process.env.XUI_FIXTURES_DIR ?? resolve(repoRoot, "test/fixtures/real");
}
