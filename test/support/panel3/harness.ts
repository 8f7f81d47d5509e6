// One call for a test: a v3.6.0 x-ui.db in a temp folder, an API token for it, and the
// stand-in serving it; all of it goes when the test finishes.
import { onTestFinished } from "vitest";
import { addApiToken, buildXui3Db, demoXui3, type Xui3Options } from "../xui3-fixture.js";
import { tempDbPath } from "../xui-fixture.js";
import { startPanel3, type Panel3, type Panel3Options } from "./server.js";

export interface RunningPanel3 {
  panel: Panel3;
  dbPath: string;
  /** The plaintext of an enabled API token. */
  token: string;
}

export async function runPanel3(options: { fixture?: Xui3Options } & Omit<Panel3Options, "dbPath"> = {}): Promise<RunningPanel3> {
  const dbPath = tempDbPath("x-ui-3");
  buildXui3Db(dbPath, options.fixture ?? demoXui3());
  const token = addApiToken(dbPath, "tests");
  const { fixture: _, ...serve } = options;
  const panel = await startPanel3({ dbPath, ...serve });
  onTestFinished(() => panel.close());
  return { panel, dbPath, token };
}
