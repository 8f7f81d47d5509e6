import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { XuiService } from "../../src/service/xui-service.js";
import { fileHash, rawRow } from "../support/db-inspect.js";
import { buildXuiDb, tempDbPath } from "../support/xui-fixture.js";

function setup(backupDir: string, extra: { backupThreshold?: number; backupKeep?: number } = {}) {
  const path = tempDbPath();
  buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: Array.from({ length: 5 }, (_, i) => ({ email: `u${i}`, expiryTime: Date.now() + 86_400_000 })) }] });
  return { path, service: XuiService.open(path, { backupDir, backupThreshold: 3, ...extra }) };
}

describe("backups", () => {
  it("an operation on more clients than the threshold takes an online backup first; a small one does not", async () => {
    const dir = `${tempDbPath()}.backups`;
    const { path, service } = setup(dir);
    const small = await service.apply({ kind: "block" }, { refs: ["u0", "u1", "u2"] });
    expect(small.backup).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
    const before = rawRow(path, "u3");
    const big = await service.apply({ kind: "unblock" }, { all: true });
    expect(big.backup).toMatch(/\.db$/);
    // The backup holds the state before the change, and is a sound SQLite file.
    const copy = new Database(big.backup, { readonly: true });
    expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(copy.prepare("SELECT enable FROM client_traffics WHERE email = 'u0'").pluck().get()).toBe(0);
    expect(copy.prepare("SELECT * FROM client_traffics WHERE email = 'u3'").get()).toEqual(before);
    copy.close();
    service.close();
  });

  it("a backup taken while another connection is mid-transaction holds the last committed state", async () => {
    const dir = `${tempDbPath()}.backups`;
    const { path, service } = setup(dir);
    const writer = new Database(path);
    writer.exec("BEGIN IMMEDIATE");
    writer.exec("UPDATE client_traffics SET up = up + 12345"); // in the writer's cache, maybe its journal
    const backup = await service.backup();
    writer.exec("COMMIT");
    writer.close();
    const copy = new Database(backup, { readonly: true });
    expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(copy.prepare("SELECT sum(up) FROM client_traffics").pluck().get()).toBe(0);
    copy.close();
    expect(readdirSync(dir)).toEqual([backup.slice(dir.length + 1)]); // no partial copy left behind
    service.close();
  });

  it("a WAL database is copied with its newest pages (through SQLite's backup API)", async () => {
    const dir = `${tempDbPath()}.backups`;
    const { path, service } = setup(dir);
    service.close();
    const writer = new Database(path);
    writer.pragma("journal_mode = WAL");
    writer.pragma("wal_autocheckpoint = 0");
    writer.exec("UPDATE client_traffics SET up = 777 WHERE email = 'u1'"); // committed, only in -wal
    const reopened = XuiService.open(path, { backupDir: dir });
    const backup = await reopened.backup();
    reopened.close();
    writer.close();
    const copy = new Database(backup, { readonly: true });
    expect(copy.prepare("SELECT up FROM client_traffics WHERE email = 'u1'").pluck().get()).toBe(777);
    copy.close();
  });

  it("keeps only the newest BACKUP_KEEP copies", async () => {
    const dir = `${tempDbPath()}.backups`;
    const { service } = setup(dir, { backupKeep: 2 });
    for (let i = 0; i < 4; i++) await service.backup();
    expect(readdirSync(dir)).toHaveLength(2);
    service.close();
  });

  it("never prunes the copy it just made, whatever keep says", async () => {
    const dir = `${tempDbPath()}.backups`;
    const { service } = setup(dir, { backupKeep: 0 });
    const made = await service.backup();
    expect(existsSync(made)).toBe(true);
    expect(readdirSync(dir)).toHaveLength(1);
    service.close();
  });

  it("refuses the change, and changes nothing, when the backup cannot be taken", async () => {
    const blocker = tempDbPath();
    writeFileSync(blocker, "a file where the backup folder should be");
    const { path, service } = setup(join(blocker, "backups"));
    const hash = fileHash(path);
    await expect(service.apply({ kind: "block" }, { all: true })).rejects.toMatchObject({ code: "backup-failed", message: expect.stringMatching(/before changing 5 clients .*nothing was changed/) });
    expect(fileHash(path)).toBe(hash);
    service.close();
  });
});
