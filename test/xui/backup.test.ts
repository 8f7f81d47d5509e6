// Backups as files: private whatever the umask and the source's mode, never over the live
// database, and pruning only what this module named.
import { chmodSync, linkSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { backupDatabase, backupTo } from "../../src/xui/backup.js";
import { fileHash } from "../support/db-inspect.js";
import { modeOf, tempFolders, UMASKS, withUmask } from "../support/files.js";
import { buildXuiDb } from "../support/xui-fixture.js";

const temp = tempFolders("xui-backup-");

/** A panel database as a stock install leaves it: 0644. */
function panelDb(journalMode: "delete" | "wal" = "delete"): string {
  const path = join(temp(), "x-ui.db");
  buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }], journalMode });
  chmodSync(path, 0o644);
  return path;
}

describe.each(UMASKS)("backup files with umask %s", (_, mask) => {
  it.each(["delete", "wal"] as const)("a backup of a 0644 x-ui.db (%s journal) is 0600 in a 0700 folder", async (journal) => {
    const source = panelDb(journal);
    const dir = join(temp(), "backups", "x-ui");
    const made = await withUmask(mask, () => backupDatabase(source, dir, 5));
    expect(modeOf(made)).toBe(0o600);
    expect([dir, join(dir, "..")].map(modeOf)).toEqual([0o700, 0o700]);
    const copy = new Database(made, { readonly: true });
    expect(copy.prepare("SELECT email FROM client_traffics").pluck().all()).toEqual(["alice"]);
    copy.close();
  });

  it("a backup to a named file is 0600, also over an older 0644 file", async () => {
    const source = panelDb();
    const out = join(temp(), "copy.db");
    writeFileSync(out, "older", { mode: 0o644 });
    await withUmask(mask, () => backupTo(source, out));
    expect(modeOf(out)).toBe(0o600);
    expect(readdirSync(join(out, ".."))).toEqual(["copy.db"]); // no .partial left
  });
});

describe("backup pruning", () => {
  it("counts and deletes only the copies it named; x-ui-before-upgrade.db and other files stay", async () => {
    const source = panelDb();
    const dir = temp();
    const foreign = ["x-ui-before-upgrade.db", "x-ui-old.db", "x-ui-2024.db", "notes.txt", "x-ui-2020-01-01T00-00-00-000Z.db.partial"];
    for (const f of foreign) writeFileSync(join(dir, f), "kept");
    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      made.push(basename(await backupDatabase(source, dir, 2)));
      await new Promise((r) => setTimeout(r, 2)); // distinct millisecond stamps
    }
    expect(readdirSync(dir).sort()).toEqual([...foreign, ...made.slice(2)].sort());
  });
});

describe("a backup never replaces the live database", () => {
  const cases: [string, (db: string) => string][] = [
    ["the same path", (db) => db],
    ["the same path spelled differently", (db) => join(db, "..", ".", basename(db))],
    ["a symbolic link to it", (db) => {
      const link = join(temp(), "link.db");
      symlinkSync(db, link);
      return link;
    }],
    ["a hard link to it", (db) => {
      const link = join(temp(), "hard.db");
      linkSync(db, link);
      return link;
    }],
  ];

  it.each(cases)("refuses %s, and the file stays as it was", async (_, target) => {
    const source = panelDb();
    const hash = fileHash(source);
    await expect(backupTo(source, target(source))).rejects.toMatchObject({ code: "bad-input", message: expect.stringMatching(/is the live database itself/) });
    expect(fileHash(source)).toBe(hash);
    expect(readdirSync(join(source, ".."))).toEqual(["x-ui.db"]);
  });
});
