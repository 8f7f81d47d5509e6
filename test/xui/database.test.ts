import { renameSync, copyFileSync } from "node:fs";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { XuiService } from "../../src/service/xui-service.js";
import { fileHash, rawRow } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

function small() {
  const path = tempDbPath();
  buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "a", expiryTime: Date.now() + 86_400_000 }] }] });
  return path;
}

describe("a locked database", () => {
  it("is retried while the lock is held briefly, without blocking the event loop", async () => {
    const path = small();
    const holder = new Database(path);
    holder.exec("BEGIN IMMEDIATE");
    const service = XuiService.open(path, { busyBudgetMs: 5000, lockWaitMs: 5 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    setTimeout(() => holder.exec("COMMIT"), 300);
    const result = await service.apply({ kind: "extend", days: 1 }, { refs: ["a"] });
    clearInterval(timer);
    expect(result.changed).toHaveLength(1);
    expect(service.db.busyRetries).toBeGreaterThan(0);
    // The event loop kept turning while we waited for the lock.
    expect(ticks).toBeGreaterThan(5);
    service.close();
    holder.close();
  });

  it("past the retry budget fails clearly and changes nothing", async () => {
    const path = small();
    const holder = new Database(path);
    holder.exec("BEGIN IMMEDIATE");
    const before = rawRow(path, "a");
    const service = XuiService.open(path, { busyBudgetMs: 200, lockWaitMs: 5 });
    await expect(service.apply({ kind: "block" }, { refs: ["a"] })).rejects.toMatchObject({ code: "busy", message: expect.stringMatching(/nothing was changed/) });
    holder.exec("ROLLBACK");
    holder.close();
    expect(rawRow(path, "a")).toEqual(before);
    service.close();
  });
});

describe("opening", () => {
  it("follows the file when the panel replaces it by rename (database import)", async () => {
    const path = small();
    const service = XuiService.open(path);
    const other = tempDbPath();
    buildXuiDb(other, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "imported" }] }] });
    renameSync(other, path);
    expect(service.clients().map((c) => c.email)).toEqual(["imported"]);
    await service.apply({ kind: "block" }, { refs: ["imported"] });
    expect(rawRow(path, "imported")?.enable).toBe(0);
    service.close();
  });

  it("refuses clearly: a missing file, a file that is not SQLite", () => {
    expect(() => XuiService.open("/nonexistent/x-ui.db")).toThrow(/no such file/);
    const path = tempDbPath();
    copyFileSync(new URL(import.meta.url).pathname, path);
    expect(() => XuiService.open(path)).toThrow(/not a readable SQLite database/);
  });

  it("read-only opening refuses writes and leaves the file alone", async () => {
    const path = small();
    const before = fileHash(path);
    const service = XuiService.open(path, { readonly: true });
    await expect(service.apply({ kind: "block" }, { all: true })).rejects.toMatchObject({ code: "read-only" });
    service.close();
    expect(fileHash(path)).toBe(before);
  });
});
