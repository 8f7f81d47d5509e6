import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { XuiDb } from "../../../src/xui/database.js";
import { addApiToken } from "../../../src/xui/v3/api-token.js";
import { fileHash } from "../../support/db-inspect.js";
import { apiTokenRows, buildXui3Db, FRESH_V360_SEEDERS, tablesDigest } from "../../support/xui3-fixture.js";
import { buildXuiDb, copyRealFixture, tempDbPath } from "../../support/xui-fixture.js";

const NOW = Date.UTC(2026, 7, 1, 12, 0, 0, 345);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function v360(options: Partial<Parameters<typeof buildXui3Db>[1]> = {}): string {
  const path = tempDbPath("x-ui-3");
  buildXui3Db(path, { inbounds: [{ id: 1, protocol: "vless" }], clients: [{ email: "alice" }], ...options });
  return path;
}

async function add(path: string, name = "xui-admin-bot") {
  const db = XuiDb.open(path, { apiTokenWrite: true });
  try {
    return await addApiToken(db, name, NOW);
  } finally {
    db.close();
  }
}

describe("API tokens in a 3.x file", () => {
  it("v3.6.0: stores the SHA-256 hex of a fresh 48-character token, enabled, created_at in seconds; the plaintext is never stored", async () => {
    const path = v360();
    const created = await add(path);
    expect(created).toMatchObject({ name: "xui-admin-bot", hashed: true });
    expect(created.token).toMatch(/^[0-9a-zA-Z]{48}$/);
    // Read back through a fresh connection, as the panel's ApiTokenService.Match would.
    expect(apiTokenRows(path)).toEqual([{ id: 1, name: "xui-admin-bot", token: sha256(created.token), enabled: 1, created_at: Math.floor(NOW / 1000) }]);
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("SELECT count(*) FROM api_tokens WHERE token = ?").pluck().get(created.token)).toBe(0);
    raw.close();
  });

  it("a file whose panel has not hashed its tokens yet (no ApiTokensHash seeder: 3.0.2–3.2.6) gets the plaintext", async () => {
    const path = v360({ seeders: FRESH_V360_SEEDERS.filter((s) => s !== "ApiTokensHash"), apiTokens: [{ name: "old", token: "a".repeat(48) }] });
    const created = await add(path);
    expect(created.hashed).toBe(false);
    expect(apiTokenRows(path)[1]).toMatchObject({ name: "xui-admin-bot", token: created.token, enabled: 1 });
  });

  it("the real 3.1.0 file: plaintext, created_at in milliseconds (3.1.0–3.4.1), nothing else touched", async () => {
    const path = copyRealFixture("ivansalou288-tech_vpn_bot.db");
    const others = ["api_tokens", "sqlite_sequence"];
    const before = tablesDigest(path, others);
    const created = await add(path, "bot");
    expect(apiTokenRows(path)).toEqual([{ id: 1, name: "bot", token: created.token, enabled: 1, created_at: NOW }]);
    expect(tablesDigest(path, others)).toBe(before);
  });

  it("a taken name gets the first free numeric suffix; every token differs", async () => {
    const path = v360({ apiTokens: [{ name: "xui-admin-bot-2", token: sha256("x") }] });
    const names: string[] = [];
    const tokens = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const created = await add(path);
      names.push(created.name);
      tokens.add(created.token);
    }
    expect(names).toEqual(["xui-admin-bot", "xui-admin-bot-3", "xui-admin-bot-4"]);
    expect(tokens.size).toBe(3);
  });

  it("refuses when no numbered variant of a taken name fits the panel's 64 bytes", async () => {
    const long = "n".repeat(64);
    const path = v360({ apiTokens: [{ name: long, token: sha256("x") }] });
    const before = tablesDigest(path);
    await expect(add(path, long)).rejects.toMatchObject({ code: "bad-input", message: expect.stringMatching(/choose another name/) });
    expect(tablesDigest(path)).toBe(before);
  });

  it("draws every character of the panel's alphabet about evenly (48 of 62: about 285 bits)", async () => {
    const path = v360();
    const counts = new Map<string, number>();
    for (let i = 0; i < 40; i++) for (const c of (await add(path, `t${i}`)).token) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 1920 characters, 31 expected each: far outside [8, 70] only for a broken generator.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(8);
      expect(n).toBeLessThan(70);
    }
  });

  it("refuses a 2.x file (no api_tokens), leaving it byte-identical", async () => {
    const path = tempDbPath();
    buildXuiDb(path, { inbounds: [{ id: 1, protocol: "vless", clients: [{ email: "alice" }] }] });
    const before = fileHash(path);
    await expect(add(path)).rejects.toMatchObject({ code: "read-only", message: expect.stringMatching(/no api_tokens table: API tokens came with 3x-ui 3\.0\.2/) });
    expect(fileHash(path)).toBe(before);
  });
});

describe("the narrow write into a 3.x file", () => {
  it("client edits stay refused on a handle opened for the token", async () => {
    const path = v360();
    const before = tablesDigest(path);
    const db = XuiDb.open(path, { apiTokenWrite: true });
    try {
      await expect(db.write((conn) => conn.prepare("UPDATE clients SET enable = 0").run())).rejects.toMatchObject({ code: "read-only" });
    } finally {
      db.close();
    }
    expect(tablesDigest(path)).toBe(before);
  });

  it("writeApiToken needs a handle opened for it, and rolls back anything but one new row", async () => {
    const path = v360();
    const before = tablesDigest(path);
    const plain = XuiDb.open(path);
    await expect(plain.writeApiToken(() => undefined)).rejects.toMatchObject({ code: "read-only", message: expect.stringMatching(/not opened for an API token/) });
    plain.close();
    const db = XuiDb.open(path, { apiTokenWrite: true });
    try {
      await expect(db.writeApiToken((conn) => conn.prepare("UPDATE clients SET enable = 0").run())).rejects.toThrow(/may only add one api_tokens row/);
      await expect(db.writeApiToken(() => undefined)).rejects.toThrow(/may only add one api_tokens row/);
    } finally {
      db.close();
    }
    expect(tablesDigest(path)).toBe(before);
  });
});
