// One-time invitation links: an admin makes one for a client, the user opens
// https://t.me/<bot>?start=<code>, and the bot links their Telegram account to that client.
// The code is 128 random bits; the file keeps only its SHA-256, so reading the file (or a copy
// of it) gives no link that still works. A code is taken by one atomic UPDATE: two people
// opening the same link at once, in one process or two, cannot both get it.
import { createHash, randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { DatabaseIdentity } from "../core/types.js";
import { openBotFile } from "./bot-file.js";

/** INVITE_TTL_HOURS's default. */
export const INVITE_TTL_HOURS = 72;
/** 16 bytes: 128 bits, 22 base64url characters (a start parameter takes up to 64 of [A-Za-z0-9_-]). */
const CODE_BYTES = 16;
const CODE = /^[A-Za-z0-9_-]{22}$/;
/** How long a used or expired invitation is kept, so that opening it again says why it no longer works. */
const KEEP_MS = 30 * 86_400_000;

export interface Invitation {
  /** The client's email when the invitation was made. */
  email: string;
  /** The x-ui.db it is for: another server's invitation links nothing here. */
  database: DatabaseIdentity;
  /** Who made it: an admin's Telegram ID, or "cli". */
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedBy: number | null;
}

export type Claim = { ok: true; invitation: Invitation } | { ok: false; reason: "unknown" | "used" | "expired" };

interface Row {
  email: string;
  db_path: string;
  db_id: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: number | null;
}

const hashOf = (code: string) => createHash("sha256").update(code).digest("hex");

/** The deep link that opens the bot `botUsername` with `code` as /start's parameter. */
export const inviteLink = (botUsername: string, code: string) => `https://t.me/${botUsername}?start=${code}`;

export class Invitations {
  /** `db`: an open bot file (the store's connection); `now`: the clock. */
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.db.prepare("DELETE FROM invitations WHERE expires_at < ?").run(this.now() - KEEP_MS);
  }

  /** Makes an invitation valid for `ttlMs`; the code is returned once and never stored. */
  create(input: { email: string; database: DatabaseIdentity; createdBy: string; ttlMs: number }): { code: string; expiresAt: number } {
    const code = randomBytes(CODE_BYTES).toString("base64url");
    const at = this.now();
    const expiresAt = at + input.ttlMs;
    this.db
      .prepare("INSERT INTO invitations (code_hash, email, db_path, db_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(hashOf(code), input.email, input.database.path, input.database.id, input.createdBy, at, expiresAt);
    return { code, expiresAt };
  }

  /**
   * Takes the invitation `code` for `userId`: valid, unused and unexpired, it is marked used
   * and returned; otherwise nothing changes and the reason is returned.
   */
  claim(code: string, userId: number): Claim {
    if (!CODE.test(code)) return { ok: false, reason: "unknown" };
    const hash = hashOf(code);
    const now = this.now();
    const taken = this.db.prepare("UPDATE invitations SET used_at = ?, used_by = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?").run(now, userId, hash, now);
    const row = this.db.prepare("SELECT * FROM invitations WHERE code_hash = ?").get(hash) as Row | undefined;
    if (!row) return { ok: false, reason: "unknown" };
    if (taken.changes === 0) return { ok: false, reason: row.used_at !== null ? "used" : "expired" };
    return {
      ok: true,
      invitation: {
        email: row.email,
        database: { path: row.db_path, id: row.db_id },
        createdBy: row.created_by,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
        usedBy: row.used_by,
      },
    };
  }

  /** Gives back a code `userId` claimed but could not be linked with (the panel busy, say): it works again. */
  release(code: string, userId: number): void {
    this.db.prepare("UPDATE invitations SET used_at = NULL, used_by = NULL WHERE code_hash = ? AND used_by = ?").run(hashOf(code), userId);
  }
}

/** Invitations on their own connection to the bot's file at `path` (the CLI); close it when done. */
export function openInvitations(path: string, now: () => number = Date.now): { invitations: Invitations; close(): void } {
  const db = openBotFile(path);
  try {
    return { invitations: new Invitations(db, now), close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}
