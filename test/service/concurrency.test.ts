// The panel writes while we work: whatever it committed between our read and our write lock
// must be seen, not overwritten.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/units.js";
import { XuiService } from "../../src/service/xui-service.js";
import { formatSettings, parseSettings } from "../../src/xui/panel-json.js";
import { jsonClient, rawRow } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

function setup() {
  const path = tempDbPath();
  buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "a", expiryTime: NOW + DAY_MS }, { email: "b", expiryTime: NOW + DAY_MS }] }] });
  return path;
}

/** A "panel" transaction that holds the lock, changes something, and commits a bit later. */
function panelCommitsDuring(path: string, change: (db: Database.Database) => void): Database.Database {
  const panel = new Database(path);
  panel.exec("BEGIN IMMEDIATE");
  change(panel);
  setTimeout(() => panel.exec("COMMIT"), 150);
  return panel;
}

describe("an operation racing the panel", () => {
  it("re-reads a row the panel changed between our read and our lock", async () => {
    const path = setup();
    const service = XuiService.open(path, { now: () => NOW, lockWaitMs: 5 });
    service.clients(); // warm the snapshot cache, as a running bot has
    const panel = panelCommitsDuring(path, (db) => db.prepare("UPDATE client_traffics SET expiry_time = ?, up = 999 WHERE email = 'a'").run(NOW + 5 * DAY_MS));
    const result = await service.apply({ kind: "extend", days: 10 }, { refs: ["a"] });
    expect(rawRow(path, "a")).toMatchObject({ expiry_time: NOW + 15 * DAY_MS, up: 999 });
    expect(jsonClient(path, "a")?.client.expiryTime).toBe(NOW + 15 * DAY_MS);
    expect(result.changed[0]?.before?.expiryTime).toBe(NOW + 5 * DAY_MS);
    expect(service.check().findings).toEqual([]);
    panel.close();
    service.close();
  });

  it("keeps a settings rewrite the panel made meanwhile", async () => {
    const path = setup();
    const service = XuiService.open(path, { now: () => NOW, lockWaitMs: 5 });
    const panel = panelCommitsDuring(path, (db) => {
      const settings = parseSettings(db.prepare("SELECT settings FROM inbounds WHERE id = 1").pluck().get() as string);
      settings.addedByPanel = true;
      db.prepare("UPDATE inbounds SET settings = ? WHERE id = 1").run(formatSettings(settings));
    });
    await service.apply({ kind: "block" }, { refs: ["b"] });
    const settings = parseSettings(service.db.read((c) => c.prepare("SELECT settings FROM inbounds WHERE id = 1").pluck().get() as string));
    expect(settings.addedByPanel).toBe(true);
    expect(jsonClient(path, "b")?.client.enable).toBe(false);
    panel.close();
    service.close();
  });
});
