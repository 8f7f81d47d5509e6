// One call for a test: a 2.x x-ui.db in a temp folder, the 2.x panel stand-in serving it, and
// its connection settings; all of it goes when the test finishes.
import { onTestFinished } from "vitest";
import type { PanelConnection } from "../../../src/panel/types.js";
import { buildXuiDb, tempDbPath, type FixtureOptions } from "../xui-fixture.js";
import { startPanel2, type Panel2, type Panel2Options } from "./server.js";

export interface RunningPanel2 {
  panel: Panel2;
  dbPath: string;
  connection: PanelConnection;
}

export async function runPanel2(fixture: FixtureOptions, options: Partial<Omit<Panel2Options, "dbPath">> = {}): Promise<RunningPanel2> {
  const dbPath = tempDbPath("x-ui-2-remote");
  buildXuiDb(dbPath, fixture);
  const credentials = { username: "admin", password: "s3cret pass" };
  const panel = await startPanel2({ dbPath, ...credentials, ...options });
  onTestFinished(() => panel.close());
  return { panel, dbPath, connection: { url: panel.url, ...credentials, timeoutMs: 2_000 } };
}
