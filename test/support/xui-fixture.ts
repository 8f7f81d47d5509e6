// Builds real x-ui.db files: the exact GORM schema of 3x-ui 2.8 (and the older and newer
// layouts found in the wild), clients of every protocol, and the quirks real files carry.
import { chmodSync, copyFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { formatSettings, type JsonObject, type JsonValue } from "../../src/xui/panel-json.js";
import { realFixturesDir } from "./paths.js";
import { tempDir } from "./temp-dir.js";

export type SchemaVariant = "2.8" | "legacy" | "3.x" | "extra-columns";

export interface FixtureClient {
  email: string;
  key?: string;
  enable?: boolean;
  active?: boolean;
  expiryTime?: number;
  totalBytes?: number;
  reset?: number;
  up?: number;
  down?: number;
  allTime?: number;
  lastOnline?: number;
  tgId?: number | string | null;
  omitKeys?: string[];
  jsonOverrides?: Record<string, unknown>;
  subId?: string;
  comment?: string;
  limitIp?: number;
  noTrafficRow?: boolean;
  rowEmail?: string;
  /** An inbound_client_ips row: the IPs the panel saw for this client (a JSON array as text). */
  ips?: string;
}

export interface FixtureInbound {
  id?: number;
  protocol: "vmess" | "vless" | "trojan" | "shadowsocks" | "wireguard" | "socks" | "http" | "dokodemo-door";
  remark?: string;
  port?: number;
  method?: string;
  clients?: FixtureClient[];
  extraSettings?: Record<string, unknown>;
  rawSettings?: string;
  /** The inbound's stream_settings (default: plain TCP without security). */
  streamSettings?: Record<string, unknown>;
}

export interface FixtureOptions {
  variant?: SchemaVariant;
  inbounds: FixtureInbound[];
  orphanRows?: { email: string; inboundId: number; expiryTime?: number; totalBytes?: number; enable?: boolean }[];
  journalMode?: "delete" | "wal";
}

// --- schemas, verbatim from real files ---------------------------------------------------

const SCHEMA_28 = [
  "CREATE TABLE `users` (`id` integer PRIMARY KEY AUTOINCREMENT,`username` text,`password` text)",
  "CREATE TABLE `settings` (`id` integer PRIMARY KEY AUTOINCREMENT,`key` text,`value` text)",
  'CREATE TABLE `inbounds` (`id` integer PRIMARY KEY AUTOINCREMENT,`user_id` integer,`up` integer,`down` integer,`total` integer,`all_time` integer DEFAULT 0,`remark` text,`enable` numeric,`expiry_time` integer,`traffic_reset` text DEFAULT "never",`last_traffic_reset_time` integer DEFAULT 0,`listen` text,`port` integer,`protocol` text,`settings` text,`stream_settings` text,`tag` text,`sniffing` text,CONSTRAINT `uni_inbounds_tag` UNIQUE (`tag`))',
  "CREATE INDEX `idx_enable_traffic_reset` ON `inbounds`(`enable`, `traffic_reset`)",
  "CREATE TABLE `client_traffics` (`id` integer PRIMARY KEY AUTOINCREMENT,`inbound_id` integer,`enable` numeric,`email` text,`up` integer,`down` integer,`all_time` integer,`expiry_time` integer,`total` integer,`reset` integer DEFAULT 0,`last_online` integer DEFAULT 0,CONSTRAINT `fk_inbounds_client_stats` FOREIGN KEY (`inbound_id`) REFERENCES `inbounds`(`id`),CONSTRAINT `uni_client_traffics_email` UNIQUE (`email`))",
  "CREATE TABLE `inbound_client_ips` (`id` integer PRIMARY KEY AUTOINCREMENT,`client_email` text,`ips` text,CONSTRAINT `uni_inbound_client_ips_client_email` UNIQUE (`client_email`))",
  "CREATE TABLE `outbound_traffics` (`id` integer PRIMARY KEY AUTOINCREMENT,`tag` text,`up` integer DEFAULT 0,`down` integer DEFAULT 0,`total` integer DEFAULT 0,CONSTRAINT `uni_outbound_traffics_tag` UNIQUE (`tag`))",
  "CREATE TABLE `history_of_seeders` (`id` integer PRIMARY KEY AUTOINCREMENT,`seeder_name` text)",
];

const SCHEMA_LEGACY = [
  "CREATE TABLE `users` (`id` integer,`username` text,`password` text,`login_secret` text,PRIMARY KEY (`id`))",
  "CREATE TABLE `settings` (`id` integer,`key` text,`value` text,PRIMARY KEY (`id`))",
  "CREATE TABLE `inbounds` (`id` integer,`user_id` integer,`up` integer,`down` integer,`total` integer,`remark` text,`enable` numeric,`expiry_time` integer,`listen` text,`port` integer UNIQUE,`protocol` text,`settings` text,`stream_settings` text,`tag` text UNIQUE,`sniffing` text,PRIMARY KEY (`id`))",
  "CREATE TABLE `inbound_client_ips` (`id` integer,`client_email` text UNIQUE,`ips` text,PRIMARY KEY (`id`))",
  "CREATE TABLE `client_traffics` (`id` integer,`inbound_id` integer,`enable` numeric,`email` text UNIQUE,`up` integer,`down` integer,`expiry_time` integer,`total` integer,PRIMARY KEY (`id`),CONSTRAINT `fk_inbounds_client_stats` FOREIGN KEY (`inbound_id`) REFERENCES `inbounds`(`id`))",
];

const SCHEMA_3X_EXTRA = [
  "CREATE TABLE `clients` (`id` integer PRIMARY KEY AUTOINCREMENT,`email` text NOT NULL,`sub_id` text,`uuid` text,`password` text,`auth` text,`flow` text,`security` text,`reverse` text,`limit_ip` integer,`total_gb` integer,`expiry_time` integer,`enable` numeric DEFAULT true,`tg_id` integer,`comment` text,`reset` integer DEFAULT 0,`created_at` integer,`updated_at` integer)",
  "CREATE TABLE `client_inbounds` (`client_id` integer,`inbound_id` integer,`flow_override` text,`created_at` integer,PRIMARY KEY (`client_id`,`inbound_id`))",
];

const EXTRA_COLUMNS = [
  "ALTER TABLE client_traffics ADD COLUMN sent_traffic_notif integer DEFAULT 0",
  "ALTER TABLE client_traffics ADD COLUMN total_usage integer DEFAULT 0",
  "ALTER TABLE client_traffics ADD COLUMN traffic_expired numeric DEFAULT 0",
  "CREATE TABLE bot_users (id integer primary key, tg_id integer)",
];

function schemaFor(variant: SchemaVariant): string[] {
  switch (variant) {
    case "2.8":
      return SCHEMA_28;
    case "legacy":
      return SCHEMA_LEGACY;
    case "3.x":
      return [...SCHEMA_28, ...SCHEMA_3X_EXTRA];
    case "extra-columns":
      return [...SCHEMA_28, ...EXTRA_COLUMNS];
  }
}

// --- deterministic randomness -----------------------------------------------------------

/** mulberry32: small, fast, seeded; fixtures must be the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rand: () => number, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
const seededUuid = (rand: () => number) => `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
const seededSubId = (rand: () => number) =>
  Array.from({ length: 16 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(rand() * 36)]).join("");
const seededBase64 = (rand: () => number, bytes: number) =>
  Buffer.from(Array.from({ length: bytes }, () => Math.floor(rand() * 256))).toString("base64");

// --- JSON -------------------------------------------------------------------------------

const CREATED = 1_756_726_925_000;

function clientJson(inbound: FixtureInbound, c: FixtureClient, rand: () => number): JsonObject {
  const key = c.key;
  const specific: JsonObject =
    inbound.protocol === "vmess"
      ? { id: key ?? seededUuid(rand), security: "auto" }
      : inbound.protocol === "vless"
        ? { id: key ?? seededUuid(rand), flow: "" }
        : inbound.protocol === "trojan"
          ? { password: key ?? hex(rand, 10) }
          : { method: inbound.method?.startsWith("2022-") ? "" : (inbound.method ?? "chacha20-ietf-poly1305"), password: key ?? seededBase64(rand, inbound.method === "2022-blake3-aes-128-gcm" ? 16 : 32) };
  const json: JsonObject = {
    ...specific,
    email: c.email,
    limitIp: c.limitIp ?? 0,
    totalGB: c.totalBytes ?? 0,
    expiryTime: c.expiryTime ?? 0,
    enable: c.enable ?? true,
    tgId: c.tgId === undefined ? 0 : c.tgId,
    subId: c.subId ?? seededSubId(rand),
    comment: c.comment ?? "",
    reset: c.reset ?? 0,
    created_at: CREATED,
    updated_at: CREATED,
  };
  for (const k of c.omitKeys ?? []) delete json[k];
  Object.assign(json, c.jsonOverrides as Record<string, JsonValue> | undefined);
  return json;
}

function inboundSettings(inbound: FixtureInbound, rand: () => number): string {
  if (inbound.rawSettings !== undefined) return inbound.rawSettings;
  const clients = (inbound.clients ?? []).map((c) => clientJson(inbound, c, rand));
  let base: JsonObject;
  switch (inbound.protocol) {
    case "vless":
      base = { clients, decryption: "none", fallbacks: [] };
      break;
    case "vmess":
      base = { clients };
      break;
    case "trojan":
      base = { clients, fallbacks: [] };
      break;
    case "shadowsocks": {
      const method = inbound.method ?? "chacha20-ietf-poly1305";
      base = { clients, method, network: "tcp,udp", password: method.startsWith("2022-") ? seededBase64(rand, method.includes("128") ? 16 : 32) : "", ivCheck: false };
      break;
    }
    case "wireguard":
      base = { mtu: 1420, secretKey: seededBase64(rand, 32), peers: [{ publicKey: seededBase64(rand, 32), allowedIPs: ["10.0.0.2/32"] }], noKernelTun: false };
      break;
    default:
      base = { auth: "password", accounts: [{ user: "u", pass: "p" }], udp: true, ip: "127.0.0.1" };
  }
  return formatSettings({ ...base, ...(inbound.extraSettings as Record<string, JsonValue> | undefined) });
}

// --- building ---------------------------------------------------------------------------

function insertRow(db: Database.Database, columns: Set<string>, values: Record<string, unknown>): void {
  const names = Object.keys(values).filter((n) => columns.has(n));
  db.prepare(`INSERT INTO client_traffics (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`).run(
    ...names.map((n) => values[n]),
  );
}

const b = (v: boolean) => (v ? 1 : 0);

export function buildXuiDb(path: string, options: FixtureOptions): void {
  const variant = options.variant ?? "2.8";
  const db = new Database(path);
  db.pragma(`journal_mode = ${options.journalMode ?? "delete"}`);
  db.pragma("foreign_keys = OFF"); // as the panel: rows of deleted inbounds exist in the wild
  const rand = rng(42);
  db.transaction(() => {
    for (const sql of schemaFor(variant)) db.exec(sql);
    db.prepare("INSERT INTO users (username, password) VALUES ('admin', 'redacted')").run();
    const inboundCols = new Set((db.prepare("SELECT name FROM pragma_table_info('inbounds')").all() as { name: string }[]).map((r) => r.name));
    const rowCols = new Set((db.prepare("SELECT name FROM pragma_table_info('client_traffics')").all() as { name: string }[]).map((r) => r.name));
    let clientId = 0;
    options.inbounds.forEach((inbound, i) => {
      const id = inbound.id ?? i + 1;
      const port = inbound.port ?? 10_000 + id;
      const values: Record<string, unknown> = {
        id,
        user_id: 1,
        up: 0,
        down: 0,
        total: 0,
        all_time: 0,
        remark: inbound.remark ?? `${inbound.protocol}-${id}`,
        enable: 1,
        expiry_time: 0,
        listen: "",
        port,
        protocol: inbound.protocol,
        settings: inboundSettings(inbound, rand),
        stream_settings: formatSettings((inbound.streamSettings as JsonObject | undefined) ?? { network: "tcp", security: "none", tcpSettings: { header: { type: "none" } } }),
        tag: `inbound-${port}`,
        sniffing: formatSettings({ enabled: false, destOverride: ["http", "tls"] }),
      };
      const names = Object.keys(values).filter((n) => inboundCols.has(n));
      db.prepare(`INSERT INTO inbounds (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`).run(...names.map((n) => values[n]));
      for (const c of inbound.clients ?? []) {
        if (variant === "3.x") {
          clientId++;
          db.prepare("INSERT INTO clients (id, email, enable, expiry_time, total_gb) VALUES (?, ?, ?, ?, ?)").run(clientId, c.email, b(c.enable ?? true), c.expiryTime ?? 0, c.totalBytes ?? 0);
          db.prepare("INSERT INTO client_inbounds (client_id, inbound_id) VALUES (?, ?)").run(clientId, id);
        }
        if (c.ips !== undefined) db.prepare("INSERT INTO inbound_client_ips (client_email, ips) VALUES (?, ?)").run(c.email, c.ips);
        if (c.noTrafficRow) continue;
        const up = c.up ?? 0;
        const down = c.down ?? 0;
        insertRow(db, rowCols, {
          inbound_id: id,
          enable: b(c.active ?? c.enable ?? true),
          email: c.rowEmail ?? c.email,
          up,
          down,
          all_time: c.allTime ?? up + down,
          expiry_time: c.expiryTime ?? 0,
          total: c.totalBytes ?? 0,
          reset: c.reset ?? 0,
          last_online: c.lastOnline ?? 0,
        });
      }
    });
    for (const o of options.orphanRows ?? []) {
      insertRow(db, rowCols, { inbound_id: o.inboundId, enable: b(o.enable ?? true), email: o.email, up: 0, down: 0, all_time: 0, expiry_time: o.expiryTime ?? 0, total: o.totalBytes ?? 0, reset: 0, last_online: 0 });
    }
  })();
  db.close();
}

// --- ready-made content -----------------------------------------------------------------

const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"];
const CYRILLIC = ["андрей", "мария", "сергей", "ольга", "дмитрий", "наталья"];
const PERSIAN = ["سعید", "آناهیتا", "رضا", "مریم"];
const DAY = 86_400_000;
const GIB = 2 ** 30;

/** About 40 clients over four inbounds with every state an admin meets; deterministic. */
export function buildDemoDb(path: string, options: { now?: number; seed?: number; variant?: SchemaVariant } = {}): void {
  const now = options.now ?? Date.now();
  const rand = rng(options.seed ?? 7);
  const emails = [...NAMES, ...CYRILLIC, ...PERSIAN, ...NAMES.slice(0, 14).map((n) => `${n}-phone`)];
  const clients: FixtureClient[] = emails.map((email, i) => {
    const kind = i % 8;
    const total = [0, 50, 100, 200][i % 4] as number;
    const c: FixtureClient = { email, totalBytes: total * GIB, up: Math.floor(rand() * 5 * GIB), down: Math.floor(rand() * 20 * GIB), tgId: i % 5 === 0 ? 100_000 + i : i % 7 === 0 ? "" : 0 };
    if (kind === 0) c.expiryTime = now + (10 + Math.floor(rand() * 60)) * DAY;
    if (kind === 1) c.expiryTime = now + Math.floor(1 + rand() * 2) * DAY; // expiring within 3 days
    if (kind === 2) Object.assign(c, { expiryTime: now - (1 + Math.floor(rand() * 20)) * DAY, active: false }); // expired
    if (kind === 3) Object.assign(c, { totalBytes: 10 * GIB, up: 4 * GIB, down: 7 * GIB, active: false, expiryTime: now + 30 * DAY }); // exhausted
    if (kind === 4) Object.assign(c, { enable: false, active: false, expiryTime: now + 20 * DAY }); // blocked
    if (kind === 5) c.expiryTime = -7 * DAY; // delayed start
    if (kind === 6) c.expiryTime = 0;
    if (kind === 7) c.expiryTime = now + 90 * DAY;
    return c;
  });
  // Linked users own several clients across inbounds, as subscriptions do.
  clients[1] = { ...clients[1], email: "bob", tgId: 100_001 };
  clients[16 + 6 + 4 + 1] = { ...clients[16 + 6 + 4 + 1], tgId: "100001" } as FixtureClient; // bob-phone, string tgId as in real files
  clients[3] = { ...clients[3], comment: "pays <cash> & late" } as FixtureClient;
  const quarter = Math.ceil(clients.length / 4);
  buildXuiDb(path, {
    variant: options.variant ?? "2.8",
    inbounds: [
      { id: 1, protocol: "vless", remark: "🇳🇱 VLESS Reality", port: 443, clients: clients.slice(0, quarter), extraSettings: { decryption: "none", fallbacks: [{ dest: 8080, xver: 0 }], testseed: [900, 500, 900, 256] } },
      { id: 2, protocol: "vmess", remark: "VMess WS", port: 8080, clients: clients.slice(quarter, 2 * quarter) },
      { id: 3, protocol: "trojan", remark: "Trojan TLS", port: 8443, clients: clients.slice(2 * quarter, 3 * quarter) },
      { id: 4, protocol: "shadowsocks", remark: "SS 2022", port: 8388, method: "2022-blake3-aes-256-gcm", clients: clients.slice(3 * quarter) },
      { id: 5, protocol: "wireguard", remark: "WireGuard", port: 51820 },
    ],
  });
}

/**
 * Client `i` of a small set that meets every state an operation meets: never expiring, expired,
 * valid, a delayed start; unlimited and limited, with some usage; blocked by the admin (the
 * sixth); and a key the panel does not know, which every write must keep.
 */
export const variedClient =
  (now: number) =>
  (email: string, i: number): FixtureClient => ({
    email,
    expiryTime: [0, now - 3 * DAY, now + 5 * DAY, -7 * DAY][i % 4],
    totalBytes: [0, 10 * GIB, 50 * GIB][i % 3],
    up: i * GIB,
    down: 2 * i * GIB,
    enable: i !== 5,
    jsonOverrides: { [`unknown_${email}`]: { keep: [i, "<&>"] } },
  });

/** `clients` clients, `bigShare` of them in one big vless inbound, the rest spread thin. */
export function buildSyntheticDb(
  path: string,
  options: { clients: number; bigShare?: number; smallInbounds?: number; now?: number; seed?: number },
): void {
  const now = options.now ?? Date.now();
  const rand = rng(options.seed ?? 1);
  const smallCount = options.smallInbounds ?? 4;
  const big = Math.round(options.clients * (options.bigShare ?? 0.8));
  const protocols = ["vmess", "trojan", "shadowsocks", "vless"] as const;
  const make = (i: number): FixtureClient => ({
    email: `user${String(i).padStart(6, "0")}`,
    key: undefined,
    expiryTime: i % 10 === 0 ? 0 : now + Math.floor((rand() * 120 - 30) * DAY),
    totalBytes: i % 3 === 0 ? 0 : (50 + (i % 5) * 50) * GIB,
    up: Math.floor(rand() * 10 * GIB),
    down: Math.floor(rand() * 40 * GIB),
    tgId: i % 4 === 0 ? 500_000_000 + i : 0,
  });
  const all = Array.from({ length: options.clients }, (_, i) => make(i));
  const inbounds: FixtureInbound[] = [{ id: 1, protocol: "vless", remark: "big", port: 443, clients: all.slice(0, big), extraSettings: { decryption: "none", fallbacks: [] } }];
  const rest = all.slice(big);
  const per = Math.ceil(rest.length / smallCount);
  for (let s = 0; s < smallCount; s++) {
    inbounds.push({ id: s + 2, protocol: protocols[s % protocols.length] as FixtureInbound["protocol"], port: 20_000 + s, clients: rest.slice(s * per, (s + 1) * per) });
  }
  buildXuiDb(path, { inbounds });
}

// --- temp files and the real fixtures ---------------------------------------------------

let counter = 0;

/**
 * A path for a new database, alone in its own temp folder (so `${path}.backups` and the like go
 * with it); numbered, as backups of different databases in one folder are told apart by name.
 */
export function tempDbPath(name = "x-ui"): string {
  return join(tempDir(), `${name}-${++counter}.db`);
}

export function listRealFixtures(): string[] {
  return readdirSync(realFixturesDir()).filter((f) => f.endsWith(".db"));
}

/** A writable copy of a published x-ui.db (its -wal/-shm too, when present). */
export function copyRealFixture(name: string): string {
  const source = join(realFixturesDir(), name);
  const target = tempDbPath(name.replace(/\.db$/, ""));
  // Originals may be read-only (a shared $XUI_FIXTURES_DIR); the copies must not inherit that.
  for (const suffix of ["", "-wal", "-shm"]) {
    if (!existsSync(source + suffix)) continue;
    copyFileSync(source + suffix, target + suffix);
    chmodSync(target + suffix, 0o644);
  }
  return target;
}
