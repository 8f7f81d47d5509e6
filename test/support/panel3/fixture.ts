// Builds x-ui.db files of 3x-ui v3.6.0 (the DDL of a real v3.6.0 file, in
// test/fixtures/xui3-ddl-v3.6.0.sql): inbounds whose settings.clients, `clients`,
// `client_inbounds` and `client_traffics` agree as the panel leaves them after its own writes
// (xui3-reference.md §2, §7), clients attached to several inbounds, usage, users, settings
// and API tokens. Written from the observed files, not through the panel stand-in, so that
// the stand-in's tests compare it against something it did not make.
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { formatSettings, type JsonObject } from "../../../src/xui/panel-json.js";
import { passwordHash, sha256Hex } from "./auth.js";
import { repoRoot } from "../paths.js";
import { rng } from "../xui-fixture.js";

export type Xui3Protocol = "vless" | "vmess" | "trojan" | "shadowsocks";

export interface Xui3Inbound {
  id: number;
  protocol: Xui3Protocol;
  remark?: string;
  port?: number;
  /** VLESS over tcp+reality, where XTLS Vision flow is allowed. */
  reality?: boolean;
  /** Shadowsocks cipher; 2022 ones take a per-client key of their size and no per-client method. */
  method?: string;
  enable?: boolean;
}

export interface Xui3Client {
  email: string;
  inboundIds: number[];
  uuid?: string;
  password?: string;
  subId?: string;
  /** Used on the inbounds that allow it (VLESS reality); "" elsewhere, as the panel does. */
  flow?: string;
  enable?: boolean;
  expiryTime?: number;
  totalGB?: number;
  limitIp?: number;
  tgId?: number;
  comment?: string;
  group?: string;
  reset?: number;
  up?: number;
  down?: number;
  lastOnline?: number;
  /** client_traffics.enable when it differs from enable (a depleted client, say). */
  trafficEnable?: boolean;
  /** No client_traffics row (the panel always makes one; for the odd file). */
  noTraffic?: boolean;
}

export interface Xui3Options {
  inbounds: Xui3Inbound[];
  clients: Xui3Client[];
  users?: { username: string; password: string }[];
  /** settings.webBasePath; the stand-in serves under it. */
  basePath?: string;
  journalMode?: "wal" | "delete";
}

export const XUI3_DDL_PATH = join(repoRoot, "test/fixtures/xui3-ddl-v3.6.0.sql");

/** Seeders a v3.6.0 install has run (xui3-reference.md §2.4), for version fingerprinting. */
const SEEDERS = [
  "ClientsTable", "InboundClientsArrayFix", "InboundClientTgIdFix", "InboundClientSubIdFix", "FreedomFinalRulesReverseFix", "ApiTokensHash",
  "LegacyProxySettingsCleanup", "HostsFromExternalProxy", "ResetIpLimitNoFail2ban", "WireguardPeersToClients", "NodeInboundsAdopted",
  "HostGroupIds", "MtprotoSecretsToClients", "StripMtprotoInboundSecrets", "InboundClientTgIdFix2", "FreedomFinalRulesPrivateEgressBlock",
  "InboundRealityFinalmaskTcpStrip",
];

/** The statements of the v3.6.0 DDL (sqlite_sequence is SQLite's own). */
export function xui3Schema(): string[] {
  return readFileSync(XUI3_DDL_PATH, "utf8")
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "" && !s.startsWith("CREATE TABLE sqlite_sequence"));
}

const CREATED = 1_781_579_950_000;

const hex = (rand: () => number, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
const uuidOf = (rand: () => number) => `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
const subIdOf = (rand: () => number) => Array.from({ length: 16 }, () => "0123456789abcdefghijklmnopqrstuvwxyz"[Math.floor(rand() * 36)]).join("");
const is2022 = (method: string) => method.startsWith("2022-blake3-");
const keyBytes = (method: string) => (method === "2022-blake3-aes-128-gcm" ? 16 : 32);

function streamOf(ib: Xui3Inbound): JsonObject {
  if (ib.reality) return { network: "tcp", security: "reality", realitySettings: { dest: "www.example.com:443", serverNames: ["www.example.com"], shortIds: ["ab12"] }, tcpSettings: { header: { type: "none" } } };
  if (ib.protocol === "vmess") return { network: "ws", security: "none", wsSettings: { path: "/ws" } };
  return { network: "tcp", security: "none", tcpSettings: { header: { type: "none" } } };
}

export function buildXui3Db(path: string, options: Xui3Options): void {
  const rand = rng(36);
  const db = new Database(path);
  db.pragma(`journal_mode = ${options.journalMode ?? "wal"}`);
  const byId = new Map(options.inbounds.map((ib) => [ib.id, ib]));
  // Credentials are per client, shared by its inbounds (the panel fills them once per client):
  // on a Shadowsocks 2022 inbound the password is a key of the cipher's size, which the
  // client's Trojan entries then share.
  const creds = options.clients.map((c) => {
    const ss2022 = c.inboundIds.map((id) => byId.get(id)?.method ?? "").find(is2022);
    const password = c.password ?? (ss2022 ? Buffer.from(hex(rand, keyBytes(ss2022) * 2), "hex").toString("base64") : hex(rand, 32));
    return { uuid: c.uuid ?? uuidOf(rand), password, subId: c.subId ?? subIdOf(rand) };
  });
  db.transaction(() => {
    for (const sql of xui3Schema()) db.exec(sql);
    for (const u of options.users ?? [{ username: "admin", password: "admin" }]) {
      db.prepare("INSERT INTO users (username, password, login_epoch) VALUES (?, ?, 0)").run(u.username, passwordHash(u.password));
    }
    const setting = db.prepare("INSERT INTO settings (key, value) VALUES (?, ?)");
    setting.run("webBasePath", options.basePath ?? "/");
    setting.run("twoFactorEnable", "false");
    setting.run("twoFactorToken", "");
    for (const name of SEEDERS) db.prepare("INSERT INTO history_of_seeders (seeder_name) VALUES (?)").run(name);

    const flowOn = (ib: Xui3Inbound, c: Xui3Client) => (ib.reality ? (c.flow ?? "") : "");
    for (const ib of options.inbounds) {
      const method = ib.method ?? "chacha20-ietf-poly1305";
      const clients = options.clients.flatMap((c, i) => {
        if (!c.inboundIds.includes(ib.id)) return [];
        const cr = creds[i] as (typeof creds)[number];
        const entry: JsonObject = {
          comment: c.comment ?? "", created_at: CREATED, email: c.email, enable: c.enable ?? true, expiryTime: c.expiryTime ?? 0, limitIp: c.limitIp ?? 0,
          reset: c.reset ?? 0, security: ib.protocol === "vmess" ? "auto" : "", subId: cr.subId, tgId: c.tgId ?? 0, totalGB: c.totalGB ?? 0, updated_at: CREATED,
        };
        if (c.group) entry.group = c.group;
        if (ib.protocol === "vless" || ib.protocol === "vmess") entry.id = cr.uuid;
        if (ib.protocol === "trojan") entry.password = cr.password;
        if (ib.protocol === "shadowsocks") {
          entry.password = cr.password;
          if (!is2022(method)) entry.method = method;
        }
        const flow = flowOn(ib, c);
        if (flow) entry.flow = flow;
        return [entry];
      });
      const base: JsonObject =
        ib.protocol === "vless"
          ? { clients, decryption: "none", encryption: "none" }
          : ib.protocol === "vmess"
            ? { clients }
            : ib.protocol === "trojan"
              ? { clients, fallbacks: [] }
              : { clients, method, network: "tcp,udp", password: is2022(method) ? Buffer.from(hex(rand, keyBytes(method) * 2), "hex").toString("base64") : "", ivCheck: false };
      const port = ib.port ?? 20_000 + ib.id;
      db.prepare(
        "INSERT INTO inbounds (id, user_id, up, down, total, remark, enable, expiry_time, listen, port, protocol, settings, stream_settings, tag, sniffing, share_addr, origin_node_guid) VALUES (?, 1, 0, 0, 0, ?, ?, 0, '', ?, ?, ?, ?, ?, ?, '', '')",
      ).run(ib.id, ib.remark ?? `${ib.protocol}-${ib.id}`, ib.enable === false ? 0 : 1, port, ib.protocol, formatSettings(base), formatSettings(streamOf(ib)), `inbound-${port}`, formatSettings({ enabled: false, destOverride: ["http", "tls"] }));
    }

    options.clients.forEach((c, i) => {
      const cr = creds[i] as (typeof creds)[number];
      const inbounds = c.inboundIds.map((id) => byId.get(id) as Xui3Inbound);
      const flow = inbounds.map((ib) => flowOn(ib, c)).find(Boolean) ?? "";
      const info = db
        .prepare(
          "INSERT INTO clients (email, sub_id, uuid, password, auth, flow, security, reverse, wg_private_key, wg_public_key, wg_allowed_ips, wg_pre_shared_key, wg_keep_alive, secret, ad_tag, limit_ip, total_gb, expiry_time, enable, tg_id, group_name, comment, reset, created_at, updated_at) " +
            "VALUES (?, ?, ?, ?, '', ?, ?, '', '', '', '', '', 0, '', '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .run(c.email, cr.subId, cr.uuid, cr.password, flow, inbounds.some((ib) => ib.protocol === "vmess") ? "auto" : "", c.limitIp ?? 0, c.totalGB ?? 0, c.expiryTime ?? 0, c.enable === false ? 0 : 1, c.tgId ?? 0, c.group ?? "", c.comment ?? "", c.reset ?? 0, CREATED, CREATED);
      for (const ib of inbounds) {
        db.prepare("INSERT INTO client_inbounds (client_id, inbound_id, flow_override, created_at) VALUES (?, ?, ?, ?)").run(info.lastInsertRowid, ib.id, flowOn(ib, c), CREATED);
      }
      if (!c.noTraffic) {
        db.prepare("INSERT INTO client_traffics (inbound_id, enable, email, up, down, expiry_time, total, reset, last_online) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
          c.inboundIds[0] ?? 0, (c.trafficEnable ?? c.enable ?? true) ? 1 : 0, c.email, c.up ?? 0, c.down ?? 0, c.expiryTime ?? 0, c.totalGB ?? 0, c.reset ?? 0, c.lastOnline ?? 0,
        );
      }
      if (c.group) db.prepare("INSERT OR IGNORE INTO client_groups (name, reset_up, reset_down, created_at, updated_at) VALUES (?, 0, 0, ?, ?)").run(c.group, CREATED, CREATED);
    });
  })();
  db.close();
}

const TOKEN_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * Adds an `api_tokens` row as the panel makes one (random.Seq(48), stored as its SHA-256 hex)
 * and returns the plaintext, which the panel shows only once.
 */
export function addApiToken(path: string, name = `test-${randomInt(1e9)}`, options: { enabled?: boolean } = {}): string {
  const plaintext = Array.from({ length: 48 }, () => TOKEN_CHARS[randomInt(TOKEN_CHARS.length)]).join("");
  const db = new Database(path, { timeout: 10_000 });
  try {
    db.prepare("INSERT INTO api_tokens (name, token, enabled, created_at) VALUES (?, ?, ?, ?)").run(name, sha256Hex(plaintext), options.enabled === false ? 0 : 1, Math.floor(Date.now() / 1000));
  } finally {
    db.close();
  }
  return plaintext;
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
      { email: "alice", inboundIds: [1, 2, 3], flow: "xtls-rprx-vision", totalGB: 50 * GIB, expiryTime: now + 30 * DAY, limitIp: 2, tgId: 1001, comment: "pays monthly", up: GIB, down: 3 * GIB, lastOnline: now - 60_000 },
      { email: "bob", inboundIds: [1, 4], flow: "xtls-rprx-vision", totalGB: 100 * GIB, expiryTime: now + 10 * DAY, up: 2 * GIB, down: 5 * GIB, group: "family" },
      { email: "carol", inboundIds: [2], expiryTime: 0, up: 10 * 1024 ** 2 },
      { email: "dave", inboundIds: [3], enable: false, expiryTime: now + 5 * DAY },
      { email: "erin", inboundIds: [4], totalGB: GIB, up: GIB, down: GIB, enable: false },
      { email: "frank", inboundIds: [1], reset: 30, expiryTime: now + 20 * DAY, tgId: 1006 },
      { email: "grace", inboundIds: [2, 3], expiryTime: -7 * DAY, totalGB: 20 * GIB },
      { email: "heidi", inboundIds: [1], comment: "<trial> & co", expiryTime: now - DAY, enable: false },
    ],
  };
}
