// Who may call the stand-in, as v3.6.0 decides it: API tokens read from `api_tokens` on
// every request (service/panel/api_token.go Match), sessions that hold a CSRF token and, after
// login, the user id and the users.login_epoch at login (web/session/*.go): bumping the epoch
// in the file ends every session, as the panel's BumpLoginEpoch does. Sessions live in memory
// under a random cookie value instead of in a signed cookie: the client sees the same thing.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type Database from "better-sqlite3";

export interface Session {
  csrf?: string;
  userId?: number;
  epoch?: number;
}

interface UserRow {
  id: number;
  username: string;
  password: string;
  login_epoch: number | null;
}

/**
 * The stand-in's `users.password`: "sha256:" + hex. The panel stores bcrypt, which is no part
 * of this stack; nothing here depends on the hash function.
 */
export function passwordHash(password: string): string {
  return `sha256:${createHash("sha256").update(password).digest("hex")}`;
}

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Decode(text: string): Buffer {
  let bits = "";
  for (const ch of text.toUpperCase().replace(/=+$/, "")) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, "0");
  }
  return Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
}

/** gotp.NewDefaultTOTP(secret).Now(): RFC 6238, SHA-1, 6 digits, 30 s steps. */
export function totp(secret: string, nowMs: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 30_000)));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = (mac[mac.length - 1] as number) & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

export function newBase32Secret(): string {
  return Array.from(randomBytes(32), (b) => BASE32[b % 32]).join("");
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Auth {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {}

  session(id: string | undefined): Session | undefined {
    return id === undefined ? undefined : this.sessions.get(id);
  }

  /** A new session cookie value for `state` (the panel re-encodes its cookie on every save). */
  save(state: Session): string {
    const id = randomBytes(24).toString("base64url");
    this.sessions.set(id, state);
    return id;
  }

  /** EnsureCSRFToken (session/csrf.go L21). */
  ensureCsrf(state: Session): string {
    state.csrf ??= randomBytes(32).toString("base64url");
    return state.csrf;
  }

  /** ValidateCSRFToken (L33): the X-CSRF-Token header against the session's token. */
  validCsrf(state: Session | undefined, header: string | undefined): boolean {
    return state?.csrf !== undefined && header !== undefined && same(header, state.csrf);
  }

  /** GetLoginUser (session.go L48): the user still exists and its epoch has not moved. */
  loggedIn(state: Session | undefined): number | undefined {
    if (state?.userId === undefined) return undefined;
    const user = this.db.prepare("SELECT * FROM users WHERE id = ?").get(state.userId) as UserRow | undefined;
    if (user && (user.login_epoch ?? 0) === state.epoch) return user.id;
    delete state.userId;
    delete state.epoch;
    return undefined;
  }

  /** UserService.CheckUser (service/panel/user.go L40). */
  checkUser(username: string, password: string, twoFactorCode: string): UserRow | undefined {
    const user = this.db.prepare("SELECT * FROM users WHERE username = ? LIMIT 1").get(username) as UserRow | undefined;
    if (!user || user.password !== passwordHash(password)) return undefined;
    if (this.setting("twoFactorEnable") === "true" && totp(this.setting("twoFactorToken") ?? "", this.now()) !== twoFactorCode) return undefined;
    return user;
  }

  login(state: Session, user: UserRow): string {
    return this.save({ ...state, userId: user.id, epoch: user.login_epoch ?? 0 });
  }

  firstUserId(): number | undefined {
    return this.db.prepare("SELECT id FROM users ORDER BY id LIMIT 1").pluck().get() as number | undefined;
  }

  /** ApiTokenService.Match: SHA-256 hex of the token against every enabled row, read now. */
  matchToken(presented: string): boolean {
    if (presented === "") return false;
    const hashes = this.db.prepare("SELECT token FROM api_tokens WHERE enabled = 1").pluck().all() as string[];
    const want = sha256Hex(presented);
    return hashes.some((h) => same(h, want));
  }

  setting(key: string): string | undefined {
    return this.db.prepare("SELECT value FROM settings WHERE key = ? ORDER BY id LIMIT 1").pluck().get(key) as string | undefined;
  }

  setSetting(key: string, value: string): void {
    const { changes } = this.db.prepare("UPDATE settings SET value = ? WHERE key = ?").run(value, key);
    if (changes === 0) this.db.prepare("INSERT INTO settings (key, value) VALUES (?, ?)").run(key, value);
  }

  /** UserService.BumpLoginEpoch: every session ends. */
  bumpLoginEpoch(): void {
    this.db.prepare("UPDATE users SET login_epoch = COALESCE(login_epoch, 0) + 1").run();
  }
}
