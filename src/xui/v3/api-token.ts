// An API token for the panel's HTTP API (`Authorization: Bearer`), stored the way 3x-ui's own
// ApiTokenService.Create stores it (internal/web/service/panel/api_token.go): the one thing
// this project ever writes into a 3.x file directly. The panel reads api_tokens on every
// request, so the token works at once, without a restart.
import { createHash, randomInt } from "node:crypto";
import type Database from "better-sqlite3";
import { XuiError } from "../../core/errors.js";
import type { XuiDb } from "../database.js";

/** What the panel's random.Seq(48) draws from: 48 of 62 characters, about 285 bits. */
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const TOKEN_LENGTH = 48;
/** The panel refuses longer names (Go's len: bytes). */
export const MAX_TOKEN_NAME_BYTES = 64;

interface ApiTokenFormat {
  /** The SHA-256 hex of the token is stored (3.2.7+), else the token itself (3.0.2–3.2.6). */
  hashed: boolean;
  /** created_at in Unix seconds (3.0.x, 3.4.2+) or milliseconds (3.1.0–3.4.1). */
  createdAt: "s" | "ms";
}

export interface CreatedApiToken {
  /** The name recorded: the one asked for, or it with a numeric suffix when that was taken. */
  name: string;
  /** The plaintext; with `hashed`, the file holds only its SHA-256 and it cannot be shown again. */
  token: string;
  hashed: boolean;
}

const hasTable = (conn: Database.Database, table: string): boolean =>
  conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;

/**
 * How this file wants its tokens, read from markers the panel itself leaves:
 * - hashed: since 3.2.7 the panel compares SHA-256 hashes and, at its first start, hashes the
 *   stored plaintexts and records the seeder `ApiTokensHash` (fresh installs record it at
 *   once). Without that record the running panel compares plaintext; a later upgrade hashes
 *   the row we wrote, so the plaintext we printed keeps working.
 * - created_at: GORM's autoCreateTime was seconds in 3.0.x, milliseconds from 3.1.0 and
 *   seconds again from 3.4.2, which at start converts older millisecond values; 3.4.2 also
 *   added the WireGuard columns to `clients`, so a `clients` table without them is 3.1.0–3.4.1.
 */
function apiTokenFormat(conn: Database.Database): ApiTokenFormat {
  const hashed =
    hasTable(conn, "history_of_seeders") &&
    conn.prepare("SELECT 1 FROM history_of_seeders WHERE seeder_name = 'ApiTokensHash'").get() !== undefined;
  const milliseconds =
    hasTable(conn, "clients") && conn.prepare("SELECT 1 FROM pragma_table_info('clients') WHERE name = 'wg_private_key'").get() === undefined;
  return { hashed, createdAt: milliseconds ? "ms" : "s" };
}

/** A fresh token from the OS's CSPRNG (randomInt draws without modulo bias). */
function generateApiToken(): string {
  let token = "";
  for (let i = 0; i < TOKEN_LENGTH; i++) token += ALPHABET[randomInt(ALPHABET.length)];
  return token;
}

const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * `name`, else `name-2`, `name-3`, ...: the first one no token has. The panel refuses a name
 * taken (its UNIQUE index), and a stored token cannot be shown again, so running the command
 * twice is how one gets a new token.
 */
function freeName(name: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${name}-${n}`;
    if (taken.has(candidate)) continue;
    if (Buffer.byteLength(candidate) > MAX_TOKEN_NAME_BYTES) {
      throw new XuiError("bad-input", `an API token named ${JSON.stringify(name)} exists, and no numbered variant fits the panel's ${MAX_TOKEN_NAME_BYTES} bytes: choose another name`, ["name"]);
    }
    return candidate;
  }
}

/**
 * Adds an enabled token named `name` (already validated) in one short BEGIN IMMEDIATE
 * transaction; returns the plaintext, which is never stored when the file wants a hash.
 */
export async function addApiToken(db: XuiDb, name: string, now: number): Promise<CreatedApiToken> {
  if (!db.read((conn) => hasTable(conn, "api_tokens"))) {
    throw new XuiError(
      "read-only",
      `${db.path} has no api_tokens table: API tokens came with 3x-ui 3.0.2, and this older panel's file is edited directly, without one`,
      [db.path],
    );
  }
  const token = generateApiToken();
  const { value } = await db.writeApiToken((conn) => {
    const format = apiTokenFormat(conn);
    const taken = new Set(conn.prepare("SELECT name FROM api_tokens").pluck().all() as string[]);
    const chosen = freeName(name, taken);
    const createdAt = format.createdAt === "ms" ? now : Math.floor(now / 1000);
    conn
      .prepare("INSERT INTO api_tokens (name, token, enabled, created_at) VALUES (?, ?, 1, ?)")
      .run(chosen, format.hashed ? sha256Hex(token) : token, createdAt);
    return { name: chosen, hashed: format.hashed };
  });
  return { ...value, token };
}
