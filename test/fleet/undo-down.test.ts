// Undo of a change across servers when one of them is down since the bot started: the preview
// shows the others' part and names the down server's clients as not reachable; Confirm reverts
// what it can reach and reports the rest as not applied; once the server is back, /undo finds
// its part still to undo and reverts it. Both files read back through fresh connections.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { AuditEntry } from "../../src/core/types.js";
import { DAY_MS } from "../../src/core/units.js";
import { ADMIN } from "../bot/harness.js";
import { jsonClient, rawRow } from "../support/db-inspect.js";
import { runPanel2 } from "../support/panel2/harness.js";
import { startPanel2 } from "../support/panel2/server.js";
import type { SentMessage } from "../support/telegram-stand-in.js";
import { tempDir } from "../support/temp-dir.js";
import { buildXuiDb } from "../support/xui-fixture.js";
import { fleetBot, fleetCli } from "./fleet-bot.js";
import { freePort } from "../support/free-port.js";

const NOW = Date.now();

/** alice's expiry as the panel enforces it (the row), checked against her JSON entry. */
function expiry(path: string): number {
  const row = Number(rawRow(path, "alice")?.expiry_time);
  expect(jsonClient(path, "alice")?.client.expiryTime).toBe(row);
  return row;
}

describe("undo across servers with one down", () => {
  it("reverts the reachable part, names the rest, and reverts that once its server is back", async () => {
    const dir = tempDir("fleet-undo-down");
    const de = join(dir, "de.db");
    const alice = { email: "alice", expiryTime: NOW + 10 * DAY_MS };
    buildXuiDb(de, { inbounds: [{ id: 1, protocol: "vless", clients: [alice] }] });
    const port = await freePort();
    const nl = await runPanel2({ inbounds: [{ id: 1, protocol: "vless", clients: [alice] }] }, { port });
    const file = join(dir, "servers.json");
    writeFileSync(file, JSON.stringify([{ name: "de", db: de }, { name: "nl", url: nl.panel.url, username: nl.connection.username, password: nl.connection.password }]));
    const env = { SERVERS_FILE: file, DATA_DIR: join(dir, "data"), BOT_DATA_PATH: join(dir, "bot.db"), SERVER_TIMEOUT_MS: "2000" };
    const start = { de: expiry(de), nl: expiry(nl.dbPath) };

    // One change on both servers, made by the admin from a bot that reaches both.
    const first = await fleetBot(env, { timeoutMs: 2_000 });
    try {
      const [extend] = await first.say(ADMIN, "/extend alice 5");
      await first.press(ADMIN, extend as SentMessage, "✅ Confirm");
    } finally {
      first.close();
    }
    expect([expiry(de), expiry(nl.dbPath)]).toEqual([start.de + 5 * DAY_MS, start.nl + 5 * DAY_MS]);

    // nl goes down; a bot started now has never reached it.
    await nl.panel.stop();
    const bot = await fleetBot(env, { timeoutMs: 2_000, retryMs: 0 });
    try {
      expect(bot.audit.latest(2).map((e) => e.server).sort()).toEqual(["de", "nl"]);
      const [undoPreview] = await bot.say(ADMIN, "/undo");
      expect(undoPreview?.text).toContain("de/alice");
      expect(undoPreview?.text).toMatch(/Not reachable now \(.*server nl.*\), tried again on Confirm: nl\/alice/);
      const done = bot.texts(await bot.press(ADMIN, undoPreview as SentMessage, "✅ Confirm"));
      expect(done).toMatch(/Partly applied.*server nl/);
      expect(done).toMatch(/Not applied<\/b> \(1\):\nnl\/alice/);
      expect([expiry(de), expiry(nl.dbPath)]).toEqual([start.de, start.nl + 5 * DAY_MS]);

      // nl is back at the same address: its part of the change is still to undo, through
      // /undo, or `xui-admin undo` of any entry of the change (here de's, already undone).
      const back = await startPanel2({ dbPath: nl.dbPath, username: "admin", password: nl.connection.password as string, port });
      onTestFinished(() => back.close());
      const extend = bot.audit.latest(5).find((e) => e.operation === "extend");
      const entries = bot.audit.batch(extend?.batch ?? "");
      expect(entries.map((e) => [e.server, e.undoneBy === null])).toEqual([["de", false], ["nl", true]]);
      // de's entry (undone) still leads to nl's part: its history card keeps its Undo button.
      expect(bot.service.stillToUndo(entries[0] as AuditEntry)?.id).toBe(entries[1]?.id);
      const again = await fleetCli(env, "undo", String(entries[0]?.id));
      expect(again.code, again.err).toBe(0);
      expect(again.out).toMatch(/^restore: changed 1 client/);
      expect([expiry(de), expiry(nl.dbPath)]).toEqual([start.de, start.nl]);
      expect(bot.texts(await bot.say(ADMIN, "/undo"))).toBe("You have no change left to undo.");
      expect(bot.service.stillToUndo(bot.audit.get(entries[0]?.id ?? 0) as AuditEntry)).toBeUndefined();
      const twice = await fleetCli(env, "undo", String(entries[0]?.id));
      expect(twice.err).toMatch(/already undone by #\d+/);
    } finally {
      bot.close();
    }
  });
});
