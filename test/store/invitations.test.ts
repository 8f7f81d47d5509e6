// Invitations in the bot's file: codes of 128 random bits stored only as their hash, single
// use, expiring by the injected clock; anything unknown or malformed changes nothing.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { BotStore } from "../../src/store/bot-store.js";
import { inviteLink, openInvitations } from "../../src/store/invitations.js";
import { tempFolders } from "../support/files.js";

const temp = tempFolders("xui-invite-");
const HOUR = 3_600_000;
const database = { path: "/etc/x-ui/x-ui.db", id: "db-1" };

function clocked(path: string) {
  let now = Date.UTC(2026, 0, 1);
  const store = new BotStore(path, { now: () => now });
  return { store, invitations: store.invitations, advance: (ms: number) => (now += ms) };
}

describe("invitations", () => {
  it("a code is 128 random bits in base64url, kept only as its SHA-256", () => {
    const path = join(temp(), "bot.db");
    const { store, invitations } = clocked(path);
    const codes = Array.from({ length: 50 }, () => invitations.create({ email: "alice", database, createdBy: "1001", ttlMs: 72 * HOUR }).code);
    store.close();
    for (const code of codes) expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/); // 22 × 6 bits ≥ 128
    expect(new Set(codes).size).toBe(codes.length);
    const db = new Database(path, { readonly: true });
    const hashes = db.prepare("SELECT code_hash FROM invitations").pluck().all() as string[];
    db.close();
    expect(hashes).toHaveLength(50);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
    const bytes = [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1")).join("");
    for (const code of codes) expect(bytes).not.toContain(code);
    expect(inviteLink("my_bot", codes[0] as string)).toBe(`https://t.me/my_bot?start=${codes[0]}`);
  });

  it("is taken once; a second taker, an expired or unknown code get the reason and change nothing", () => {
    const { store, invitations, advance } = clocked(join(temp(), "bot.db"));
    const { code, expiresAt } = invitations.create({ email: "alice", database, createdBy: "1001", ttlMs: 72 * HOUR });
    const claim = invitations.claim(code, 7);
    expect(claim).toMatchObject({ ok: true, invitation: { email: "alice", database, createdBy: "1001", expiresAt, usedBy: 7 } });
    expect(invitations.claim(code, 7)).toEqual({ ok: false, reason: "used" });
    expect(invitations.claim(code, 8)).toEqual({ ok: false, reason: "used" });
    // Given back (the link could not be applied): it works again, once.
    invitations.release(code, 8); // not the taker's: nothing
    expect(invitations.claim(code, 8)).toEqual({ ok: false, reason: "used" });
    invitations.release(code, 7);
    expect(invitations.claim(code, 8)).toMatchObject({ ok: true });

    const late = invitations.create({ email: "bob", database, createdBy: "cli", ttlMs: 72 * HOUR }).code;
    advance(72 * HOUR);
    expect(invitations.claim(late, 9)).toEqual({ ok: false, reason: "expired" });
    for (const forged of ["", "x", "A".repeat(22), `${late.slice(0, 21)}${late.endsWith("A") ? "B" : "A"}`, `${late}=`, "../../etc"]) {
      expect(invitations.claim(forged, 9)).toEqual({ ok: false, reason: "unknown" });
    }
    store.close();
  });

  it("the CLI's own connection sees the bot's invitations, and old ones go after 30 days", () => {
    const path = join(temp(), "bot.db");
    const { store, invitations, advance } = clocked(path);
    const { code } = invitations.create({ email: "alice", database, createdBy: "1001", ttlMs: HOUR });
    const cli = openInvitations(path, () => Date.UTC(2026, 0, 1));
    expect(cli.invitations.claim(code, 5)).toMatchObject({ ok: true });
    cli.close();
    store.close();
    advance(31 * 24 * HOUR);
    const later = openInvitations(path, () => Date.UTC(2026, 0, 1) + 31 * 24 * HOUR);
    expect(later.invitations.claim(code, 5)).toEqual({ ok: false, reason: "unknown" });
    later.close();
  });
});
