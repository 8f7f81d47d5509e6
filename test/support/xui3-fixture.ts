// Builds real 3x-ui 3.6.0 files: the DDL of a real v3.6.0 x-ui.db
// (test/fixtures/xui3-ddl-v3.6.0.sql), inbounds whose settings.clients are written as the panel
// writes them, and for each client its `clients` row, client_inbounds links and client_traffics
// row, agreeing as the panel leaves them. Per-client options put deliberate disagreements in.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { formatSettings, type JsonObject, type JsonValue } from "../../src/xui/panel-json.js";
import { repoRoot } from "./paths.js";

export interface Xui3Client {
  email: string;
  /** The inbounds whose settings list it, and that it is linked to (default [1]). */
  inbounds?: number[];
  enable?: boolean;
  expiryTime?: number;
  totalBytes?: number;
  limitIp?: number;
  tgId?: number;
  subId?: string;
  comment?: string;
  reset?: number;
  flow?: string;
  up?: number;
  down?: number;
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
  protocol: "vless" | "vmess" | "trojan" | "shadowsocks";
  remark?: string;
  rawSettings?: string;
}

export interface Xui3Options {
  inbounds: Xui3Inbound[];
  clients: Xui3Client[];
  /** client_traffics rows of no client. */
  orphanRows?: string[];
  /** history_of_seeders (default: what a fresh v3.6.0 install records). */
  seeders?: string[];
  apiTokens?: { name: string; token: string; enabled?: boolean; createdAt?: number }[];
  /** WAL by default, as v3.6.0 opens its file. */
  journalMode?: "wal" | "delete";
}

/** internal/database/db.go runSeeders @v3.6.0, for a fresh install. */
export const FRESH_V360_SEEDERS = [
  "UserPasswordHash", "ClientsTable", "InboundClientsArrayFix", "InboundClientTgIdFix2", "InboundClientSubIdFix", "FreedomFinalRulesReverseFix",
  "FreedomFinalRulesPrivateEgressBlock", "InboundRealityFinalmaskTcpStrip", "ApiTokensHash", "LegacyProxySettingsCleanup", "WireguardPeersToClients",
  "MtprotoSecretsToClients", "NodeInboundsAdopted", "ResetIpLimitNoFail2ban",
];

const DDL = join(repoRoot, "test/fixtures/xui3-ddl-v3.6.0.sql");
const CREATED = 1_781_579_950_000;
const UPDATED = 1_784_420_204_000;

/** Deterministic per-email values: the same file on every run. */
const digest = (seed: string) => createHash("sha256").update(seed).digest("hex");
const uuidOf = (email: string) => digest(`id:${email}`).replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*$/, "$1-$2-4$3-a$4-$5");
const subIdOf = (email: string) => digest(`sub:${email}`).slice(0, 16);

/** One password per client, as the panel keeps it on the record for every inbound it joins (a 2022 key fits trojan too). */
const passwordOf = (email: string) => Buffer.from(digest(`pw:${email}`), "hex").toString("base64");

/** The protocol's credential in a JSON entry: the record's, on every inbound. */
function credentials(protocol: Xui3Inbound["protocol"], email: string): JsonObject {
  switch (protocol) {
    case "vless":
      return { id: uuidOf(email) };
    case "vmess":
      return { id: uuidOf(email), security: "auto" };
    case "trojan":
    case "shadowsocks":
      return { password: passwordOf(email) };
  }
}

function jsonEntry(inbound: Xui3Inbound, c: Xui3Client): JsonObject {
  const entry: JsonObject = {
    ...credentials(inbound.protocol, c.email),
    comment: c.comment ?? "",
    created_at: CREATED,
    email: c.email,
    enable: c.enable ?? true,
    expiryTime: c.expiryTime ?? 0,
    limitIp: c.limitIp ?? 0,
    reset: c.reset ?? 0,
    subId: c.subId ?? subIdOf(c.email),
    tgId: c.tgId ?? 0,
    totalGB: c.totalBytes ?? 0,
    updated_at: UPDATED,
  };
  if (inbound.protocol === "vless") entry.flow = c.flow ?? "";
  for (const [key, value] of Object.entries(c.json ?? {})) {
    if (value === undefined) delete entry[key];
    else entry[key] = value;
  }
  return entry;
}

function settings(inbound: Xui3Inbound, clients: JsonObject[]): string {
  if (inbound.rawSettings !== undefined) return inbound.rawSettings;
  switch (inbound.protocol) {
    case "vless":
      return formatSettings({ clients, decryption: "none", encryption: "none" });
    case "vmess":
      return formatSettings({ clients });
    case "trojan":
      return formatSettings({ clients, fallbacks: [] });
    case "shadowsocks":
      return formatSettings({ clients, ivCheck: false, method: "2022-blake3-aes-256-gcm", network: "tcp,udp", password: Buffer.from(digest("server"), "hex").toString("base64") });
  }
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
  const statements = readFileSync(DDL, "utf8").split(/;\n/).map((s) => s.trim()).filter((s) => s !== "" && !s.includes("sqlite_sequence"));
  db.transaction(() => {
    for (const sql of statements) db.exec(sql);
    insert(db, "users", { username: "admin", password: "redacted", login_epoch: 0 });
    for (const name of options.seeders ?? FRESH_V360_SEEDERS) insert(db, "history_of_seeders", { seeder_name: name });
    for (const t of options.apiTokens ?? []) insert(db, "api_tokens", { name: t.name, token: t.token, enabled: t.enabled ?? true, created_at: t.createdAt ?? Math.floor(CREATED / 1000) });
    const protocolOf = new Map(options.inbounds.map((i) => [i.id, i.protocol]));
    for (const inbound of options.inbounds) {
      const listed = options.clients.filter((c) => (c.inbounds ?? [1]).includes(inbound.id)).map((c) => jsonEntry(inbound, c));
      insert(db, "inbounds", {
        id: inbound.id, user_id: 1, up: 0, down: 0, total: 0, remark: inbound.remark ?? `${inbound.protocol}-${inbound.id}`, enable: 1, expiry_time: 0,
        listen: "", port: 40_000 + inbound.id, protocol: inbound.protocol, settings: settings(inbound, listed),
        stream_settings: formatSettings({ network: "tcp", security: "none" }), tag: `inbound-${40_000 + inbound.id}`,
        sniffing: formatSettings({ enabled: false }), share_addr: "", origin_node_guid: "",
      });
    }
    for (const c of options.clients) {
      const inbounds = c.inbounds ?? [1];
      if (c.record !== null) {
        // Credentials of every protocol, as the panel's UI generates them, whichever it uses.
        const id = insert(db, "clients", {
          email: c.email, sub_id: c.subId ?? subIdOf(c.email), uuid: uuidOf(c.email), password: passwordOf(c.email),
          auth: digest(`auth:${c.email}`).slice(0, 16), flow: c.flow ?? "", security: "auto", reverse: "",
          wg_private_key: "", wg_public_key: "", wg_allowed_ips: "", wg_pre_shared_key: "", wg_keep_alive: 0, secret: "", ad_tag: "",
          limit_ip: c.limitIp ?? 0, total_gb: c.totalBytes ?? 0, expiry_time: c.expiryTime ?? 0, enable: c.enable ?? true, tg_id: c.tgId ?? 0,
          group_name: "", comment: c.comment ?? "", reset: c.reset ?? 0, created_at: CREATED, updated_at: UPDATED,
          ...c.record,
        });
        for (const inboundId of c.links ?? inbounds) {
          insert(db, "client_inbounds", { client_id: id, inbound_id: inboundId, flow_override: c.linkFlow ?? (protocolOf.get(inboundId) === "vless" ? (c.flow ?? "") : ""), created_at: UPDATED });
        }
      }
      if (c.traffic !== null) {
        insert(db, "client_traffics", {
          inbound_id: inbounds[0] ?? 1, enable: c.active ?? c.enable ?? true, email: c.email, up: c.up ?? 0, down: c.down ?? 0,
          expiry_time: c.expiryTime ?? 0, total: c.totalBytes ?? 0, reset: c.reset ?? 0, last_online: 0,
          ...c.traffic,
        });
      }
    }
    for (const email of options.orphanRows ?? []) {
      insert(db, "client_traffics", { inbound_id: 1, enable: 1, email, up: 0, down: 0, expiry_time: 0, total: 0, reset: 0, last_online: 0 });
    }
  })();
  db.close();
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
