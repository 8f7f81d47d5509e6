// Builds real 3x-ui 3.6.0 files: the DDL of a real v3.6.0 x-ui.db
// (test/fixtures/xui3-ddl-v3.6.0.sql), inbounds whose settings.clients are written as the panel
// writes them, and for each client its `clients` row, client_inbounds links and client_traffics
// row, agreeing as the panel leaves them; clients on several inbounds, usage, users, settings
// and API tokens. Per-client options put deliberate disagreements in. Written from observed
// files, not through the panel stand-in, so that the stand-in's tests compare it against
// something it did not make.
import { createHash, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { formatSettings, type JsonObject, type JsonValue } from "../../src/xui/panel-json.js";
import { passwordHash, sha256Hex } from "./panel3/auth.js";
import { repoRoot } from "./paths.js";

export type Xui3Protocol = "vless" | "vmess" | "trojan" | "shadowsocks";

export interface Xui3Client {
  email: string;
  /** The inbounds whose settings list it, and that it is linked to (default [1]). */
  inbounds?: number[];
  /** Credentials, shared by all its inbounds (default: derived from the email). */
  uuid?: string;
  password?: string;
  subId?: string;
  /** On its VLESS entries and links; "" elsewhere, as the panel does. */
  flow?: string;
  enable?: boolean;
  expiryTime?: number;
  totalBytes?: number;
  limitIp?: number;
  tgId?: number;
  comment?: string;
  /** clients.group_name, the JSON `group` and a client_groups row. */
  group?: string;
  reset?: number;
  up?: number;
  down?: number;
  lastOnline?: number;
  /** client_traffics.enable, which enforcement clears (default: enable). */
  active?: boolean;
  // Deliberate disagreements:
  /** Merged into each of its JSON entries; `undefined` removes a key. */
  json?: Record<string, JsonValue | undefined>;
  /** Columns merged into its `clients` row; null: no row (and no links). */
  record?: Record<string, unknown> | null;
  /** client_inbounds links to these inbounds instead of `inbounds`. */
  links?: number[];
  /** flow_override instead of the JSON flow. */
  linkFlow?: string;
  /** Columns merged into its client_traffics row; null: no row. */
  traffic?: Record<string, unknown> | null;
}

export interface Xui3Inbound {
  id: number;
  protocol: Xui3Protocol;
  remark?: string;
  port?: number;
  enable?: boolean;
  /** VLESS over tcp+reality, where XTLS Vision flow is at home. */
  reality?: boolean;
  /** Shadowsocks cipher (default 2022-blake3-aes-256-gcm); 2022 ones take a per-client key of their size and no per-client method. */
  method?: string;
  /** The settings column as is, clients or not (a broken file). */
  rawSettings?: string;
}

export interface Xui3Options {
  inbounds: Xui3Inbound[];
  clients: Xui3Client[];
  /** client_traffics rows of no client. */
  orphanRows?: string[];
  /** history_of_seeders (default: what a fresh v3.6.0 install records). */
  seeders?: string[];
  /** api_tokens rows, `token` stored as given (addApiToken stores a new one as the panel does). */
  apiTokens?: { name: string; token: string; enabled?: boolean; createdAt?: number }[];
  /** Panel users (default admin/admin). */
  users?: { username: string; password: string }[];
  /** settings.webBasePath; the stand-in serves under it. */
  basePath?: string;
  /** WAL by default, as v3.6.0 opens its file. */
  journalMode?: "wal" | "delete";
}

/** internal/database/db.go runSeeders @v3.6.0, for a fresh install. */
export const FRESH_V360_SEEDERS = [
  "UserPasswordHash", "ClientsTable", "InboundClientsArrayFix", "InboundClientTgIdFix2", "InboundClientSubIdFix", "FreedomFinalRulesReverseFix",
  "FreedomFinalRulesPrivateEgressBlock", "InboundRealityFinalmaskTcpStrip", "ApiTokensHash", "LegacyProxySettingsCleanup", "WireguardPeersToClients",
  "MtprotoSecretsToClients", "NodeInboundsAdopted", "ResetIpLimitNoFail2ban",
];

const DDL_PATH = join(repoRoot, "test/fixtures/xui3-ddl-v3.6.0.sql");
const CREATED = 1_781_579_950_000;
const UPDATED = 1_784_420_204_000;
const SS_DEFAULT = "2022-blake3-aes-256-gcm";

/** The statements of the v3.6.0 DDL (sqlite_sequence is SQLite's own). */
export function xui3Schema(): string[] {
  return readFileSync(DDL_PATH, "utf8")
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "" && !s.startsWith("CREATE TABLE sqlite_sequence"));
}

/** Deterministic per-email values: the same file on every run. */
const digest = (seed: string) => createHash("sha256").update(seed).digest("hex");
const uuidOf = (email: string) => digest(`id:${email}`).replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*$/, "$1-$2-4$3-a$4-$5");
const subIdOf = (email: string) => digest(`sub:${email}`).slice(0, 16);
const is2022 = (method: string) => method.startsWith("2022-blake3-");
/** A key of the cipher's size: 2022 ciphers take exactly that many bytes, others any. */
const keyOf = (seed: string, method: string) => Buffer.from(digest(seed), "hex").subarray(0, method === "2022-blake3-aes-128-gcm" ? 16 : 32).toString("base64");
const methodOf = (ib: Xui3Inbound) => ib.method ?? SS_DEFAULT;

interface Credentials {
  uuid: string;
  password: string;
  subId: string;
}

/**
 * One password per client, as the panel keeps it on the record for every inbound it joins: on
 * a Shadowsocks 2022 inbound a key of the cipher's size, which its Trojan entries then share.
 */
function credentialsOf(c: Xui3Client, inbounds: Xui3Inbound[]): Credentials {
  const ss = inbounds.find((ib) => ib.protocol === "shadowsocks" && is2022(methodOf(ib)));
  return { uuid: c.uuid ?? uuidOf(c.email), password: c.password ?? keyOf(`pw:${c.email}`, ss ? methodOf(ss) : SS_DEFAULT), subId: c.subId ?? subIdOf(c.email) };
}

/** The protocol's credential in a JSON entry: the record's, on every inbound. */
function protocolFields(ib: Xui3Inbound, c: Xui3Client, cr: Credentials): JsonObject {
  switch (ib.protocol) {
    case "vless":
      return { id: cr.uuid, flow: c.flow ?? "" };
    case "vmess":
      return { id: cr.uuid, security: "auto" };
    case "trojan":
      return { password: cr.password };
    case "shadowsocks":
      return is2022(methodOf(ib)) ? { password: cr.password } : { method: methodOf(ib), password: cr.password };
  }
}

function jsonEntry(ib: Xui3Inbound, c: Xui3Client, cr: Credentials): JsonObject {
  const entry: JsonObject = {
    ...protocolFields(ib, c, cr),
    comment: c.comment ?? "",
    created_at: CREATED,
    email: c.email,
    enable: c.enable ?? true,
    expiryTime: c.expiryTime ?? 0,
    limitIp: c.limitIp ?? 0,
    reset: c.reset ?? 0,
    subId: cr.subId,
    tgId: c.tgId ?? 0,
    totalGB: c.totalBytes ?? 0,
    updated_at: UPDATED,
  };
  if (c.group) entry.group = c.group;
  for (const [key, value] of Object.entries(c.json ?? {})) {
    if (value === undefined) delete entry[key];
    else entry[key] = value;
  }
  return entry;
}

function settings(ib: Xui3Inbound, clients: JsonObject[]): string {
  if (ib.rawSettings !== undefined) return ib.rawSettings;
  switch (ib.protocol) {
    case "vless":
      return formatSettings({ clients, decryption: "none", encryption: "none" });
    case "vmess":
      return formatSettings({ clients });
    case "trojan":
      return formatSettings({ clients, fallbacks: [] });
    case "shadowsocks": {
      const method = methodOf(ib);
      return formatSettings({ clients, ivCheck: false, method, network: "tcp,udp", password: is2022(method) ? keyOf(`server:${ib.id}`, method) : "" });
    }
  }
}

function streamOf(ib: Xui3Inbound): JsonObject {
  if (ib.reality) return { network: "tcp", security: "reality", realitySettings: { dest: "www.example.com:443", serverNames: ["www.example.com"], shortIds: ["ab12"] }, tcpSettings: { header: { type: "none" } } };
  if (ib.protocol === "vmess") return { network: "ws", security: "none", wsSettings: { path: "/ws" } };
  return { network: "tcp", security: "none", tcpSettings: { header: { type: "none" } } };
}

function insert(db: Database.Database, table: string, values: Record<string, unknown>): number {
  const names = Object.keys(values);
  const sql = `INSERT INTO ${table} (${names.map((n) => `\`${n}\``).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`;
  const bind = names.map((n) => (typeof values[n] === "boolean" ? Number(values[n]) : values[n]));
  return Number(db.prepare(sql).run(...bind).lastInsertRowid);
}

export function buildXui3Db(path: string, options: Xui3Options): void {
  const db = new Database(path);
  db.pragma(`journal_mode = ${options.journalMode ?? "wal"}`);
  const byId = new Map(options.inbounds.map((ib) => [ib.id, ib]));
  const inboundsOf = (c: Xui3Client) => c.inbounds ?? [1];
  const creds = new Map(options.clients.map((c) => [c, credentialsOf(c, inboundsOf(c).flatMap((id) => byId.get(id) ?? []))]));
  const credsOf = (c: Xui3Client) => creds.get(c) as Credentials;
  db.transaction(() => {
    for (const sql of xui3Schema()) db.exec(sql);
    for (const u of options.users ?? [{ username: "admin", password: "admin" }]) insert(db, "users", { username: u.username, password: passwordHash(u.password), login_epoch: 0 });
    for (const [key, value] of [["webBasePath", options.basePath ?? "/"], ["twoFactorEnable", "false"], ["twoFactorToken", ""]]) insert(db, "settings", { key, value });
    for (const name of options.seeders ?? FRESH_V360_SEEDERS) insert(db, "history_of_seeders", { seeder_name: name });
    for (const t of options.apiTokens ?? []) insert(db, "api_tokens", { name: t.name, token: t.token, enabled: t.enabled ?? true, created_at: t.createdAt ?? Math.floor(CREATED / 1000) });
    for (const ib of options.inbounds) {
      const listed = options.clients.filter((c) => inboundsOf(c).includes(ib.id)).map((c) => jsonEntry(ib, c, credsOf(c)));
      const port = ib.port ?? 40_000 + ib.id;
      insert(db, "inbounds", {
        id: ib.id, user_id: 1, up: 0, down: 0, total: 0, remark: ib.remark ?? `${ib.protocol}-${ib.id}`, enable: ib.enable ?? true, expiry_time: 0,
        listen: "", port, protocol: ib.protocol, settings: settings(ib, listed), stream_settings: formatSettings(streamOf(ib)), tag: `inbound-${port}`,
        sniffing: formatSettings({ enabled: false, destOverride: ["http", "tls"] }), share_addr: "", origin_node_guid: "",
      });
    }
    for (const c of options.clients) {
      const inbounds = inboundsOf(c);
      const cr = credsOf(c);
      if (c.record !== null) {
        // Credentials of every protocol, as the panel's UI generates them, whichever it uses.
        const id = insert(db, "clients", {
          email: c.email, sub_id: cr.subId, uuid: cr.uuid, password: cr.password, auth: digest(`auth:${c.email}`).slice(0, 16), flow: c.flow ?? "",
          security: "auto", reverse: "", wg_private_key: "", wg_public_key: "", wg_allowed_ips: "", wg_pre_shared_key: "", wg_keep_alive: 0, secret: "", ad_tag: "",
          limit_ip: c.limitIp ?? 0, total_gb: c.totalBytes ?? 0, expiry_time: c.expiryTime ?? 0, enable: c.enable ?? true, tg_id: c.tgId ?? 0,
          group_name: c.group ?? "", comment: c.comment ?? "", reset: c.reset ?? 0, created_at: CREATED, updated_at: UPDATED,
          ...c.record,
        });
        for (const inboundId of c.links ?? inbounds) {
          insert(db, "client_inbounds", { client_id: id, inbound_id: inboundId, flow_override: c.linkFlow ?? (byId.get(inboundId)?.protocol === "vless" ? (c.flow ?? "") : ""), created_at: UPDATED });
        }
      }
      if (c.traffic !== null) {
        insert(db, "client_traffics", {
          inbound_id: inbounds[0] ?? 1, enable: c.active ?? c.enable ?? true, email: c.email, up: c.up ?? 0, down: c.down ?? 0,
          expiry_time: c.expiryTime ?? 0, total: c.totalBytes ?? 0, reset: c.reset ?? 0, last_online: c.lastOnline ?? 0,
          ...c.traffic,
        });
      }
      if (c.group) db.prepare("INSERT OR IGNORE INTO client_groups (name, reset_up, reset_down, created_at, updated_at) VALUES (?, 0, 0, ?, ?)").run(c.group, CREATED, CREATED);
    }
    for (const email of options.orphanRows ?? []) {
      insert(db, "client_traffics", { inbound_id: 1, enable: 1, email, up: 0, down: 0, expiry_time: 0, total: 0, reset: 0, last_online: 0 });
    }
  })();
  db.close();
}

const TOKEN_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * Adds an `api_tokens` row to a built (or served) file as the panel makes one (random.Seq(48),
 * stored as its SHA-256 hex) and returns the plaintext, which the panel shows only once.
 */
export function addApiToken(path: string, name = `test-${randomInt(1e9)}`, options: { enabled?: boolean } = {}): string {
  const plaintext = Array.from({ length: 48 }, () => TOKEN_CHARS[randomInt(TOKEN_CHARS.length)]).join("");
  const db = new Database(path, { timeout: 10_000 });
  try {
    insert(db, "api_tokens", { name, token: sha256Hex(plaintext), enabled: options.enabled ?? true, created_at: Math.floor(Date.now() / 1000) });
  } finally {
    db.close();
  }
  return plaintext;
}

/**
 * Every row of every table but `except`, read through a fresh connection: "nothing changed"
 * for a WAL file, whose main file alone says little while a connection is open.
 */
export function tablesDigest(path: string, except: string[] = []): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter((t) => !except.includes(t));
    const hash = createHash("sha256");
    for (const table of tables) hash.update(JSON.stringify([table, db.prepare(`SELECT * FROM \`${table}\` ORDER BY rowid`).raw().all()]));
    return hash.digest("hex");
  } finally {
    db.close();
  }
}

/** The api_tokens rows, read through a fresh connection. */
export function apiTokenRows(path: string): { id: number; name: string; token: string; enabled: number; created_at: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT id, name, token, enabled, created_at FROM api_tokens ORDER BY id").all() as never;
  } finally {
    db.close();
  }
}

const DAY = 86_400_000;
const GIB = 2 ** 30;

/**
 * Four inbounds (VLESS reality, VMess, Trojan, Shadowsocks 2022) and eight clients: three on
 * several inbounds, one blocked, one depleted and one expired (the panel disables those in all
 * three places), one with a group, one with a delayed start, usage on most.
 */
export function demoXui3(now = Date.now()): Xui3Options {
  return {
    basePath: "/secret/",
    inbounds: [
      { id: 1, protocol: "vless", remark: "VLESS Reality", port: 443, reality: true },
      { id: 2, protocol: "vmess", remark: "VMess WS", port: 8080 },
      { id: 3, protocol: "trojan", remark: "Trojan", port: 8443 },
      { id: 4, protocol: "shadowsocks", remark: "SS 2022", port: 8388, method: "2022-blake3-aes-256-gcm" },
    ],
    clients: [
      { email: "alice", inbounds: [1, 2, 3], flow: "xtls-rprx-vision", totalBytes: 50 * GIB, expiryTime: now + 30 * DAY, limitIp: 2, tgId: 1001, comment: "pays monthly", up: GIB, down: 3 * GIB, lastOnline: now - 60_000 },
      { email: "bob", inbounds: [1, 4], flow: "xtls-rprx-vision", totalBytes: 100 * GIB, expiryTime: now + 10 * DAY, up: 2 * GIB, down: 5 * GIB, group: "family" },
      { email: "carol", inbounds: [2], expiryTime: 0, up: 10 * 1024 ** 2 },
      { email: "dave", inbounds: [3], enable: false, expiryTime: now + 5 * DAY },
      { email: "erin", inbounds: [4], totalBytes: GIB, up: GIB, down: GIB, enable: false },
      { email: "frank", inbounds: [1], reset: 30, expiryTime: now + 20 * DAY, tgId: 1006 },
      { email: "grace", inbounds: [2, 3], expiryTime: -7 * DAY, totalBytes: 20 * GIB },
      { email: "heidi", inbounds: [1], comment: "<trial> & co", expiryTime: now - DAY, enable: false },
    ],
  };
}
