import { chmodSync, closeSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPrivateFile, makePrivateDir, preparePrivateDatabase } from "../../src/core/private-files.js";
import { modeOf, tempFolders, UMASKS, withUmask } from "../support/files.js";

const temp = tempFolders();

describe.each(UMASKS)("private files with umask %s", (_, mask) => {
  it("makes every folder it creates 0700 and leaves existing ones alone", async () => {
    const root = temp();
    const shared = join(root, "shared");
    mkdirSync(shared, { mode: 0o755 });
    chmodSync(shared, 0o755);
    await withUmask(mask, () => makePrivateDir(join(shared, "a", "b", "c")));
    expect([join(shared, "a"), join(shared, "a", "b"), join(shared, "a", "b", "c")].map(modeOf)).toEqual([0o700, 0o700, 0o700]);
    expect(modeOf(shared)).toBe(0o755);
  });

  it("creates a file 0600, replacing a stale wider one", async () => {
    const path = join(temp(), "new", "x.partial");
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, "stale", { mode: 0o644 });
    await withUmask(mask, () => closeSync(createPrivateFile(path)));
    expect(modeOf(path)).toBe(0o600);
  });

  it("prepares a database file 0600 and tightens one an earlier version left 0644, with its siblings", async () => {
    const dir = temp();
    const fresh = join(dir, "data", "bot.db");
    await withUmask(mask, () => preparePrivateDatabase(fresh));
    expect(modeOf(fresh)).toBe(0o600);
    expect(modeOf(join(dir, "data"))).toBe(0o700);

    const old = join(dir, "old.db");
    for (const f of [old, `${old}-wal`, `${old}-journal`]) writeFileSync(f, "", { mode: 0o644 });
    await withUmask(mask, () => preparePrivateDatabase(old));
    expect([old, `${old}-wal`, `${old}-journal`].map(modeOf)).toEqual([0o600, 0o600, 0o600]);
    expect(existsSync(`${old}-shm`)).toBe(false); // absent siblings stay absent
  });
});
