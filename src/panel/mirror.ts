// A local copy of a 3x-ui 3.x panel that has no x-ui.db beside this tool (another server, or
// a panel on PostgreSQL): the panel's state read through its API (state-wire.ts) and written
// as a SQLite file in the 3.x layout (the tables of a v3.6.0 x-ui.db that hold clients), so the
// service reads it exactly as it reads a local 3.x file. Writes still go through the API; the
// mirror is only ever read.
//
// Each refresh builds a new file beside the old one and renames it into place: a reader never
// sees half a state, and XuiDb follows the new file (another inode) at its next read.
import { randomBytes } from "node:crypto";
import { closeSync, renameSync, rmSync } from "node:fs";
import Database from "better-sqlite3";
import { createPrivateFile } from "../core/private-files.js";
import type { PanelApi } from "./panel-api.js";
import type { PanelState, StateClient, StateInbound, StateTraffic } from "./state-wire.js";

/** The client tables of a v3.6.0 x-ui.db (test/fixtures/xui3-ddl-v3.6.0.sql), as GORM made them. */
const DDL = `
CREATE TABLE \`inbounds\` (\`id\` integer PRIMARY KEY AUTOINCREMENT,\`user_id\` integer,\`up\` integer,\`down\` integer,\`total\` integer,\`remark\` text,\`sub_sort_index\` integer DEFAULT 1,\`enable\` numeric,\`expiry_time\` integer,\`traffic_reset\` text DEFAULT "never",\`last_traffic_reset_time\` integer DEFAULT 0,\`listen\` text,\`port\` integer,\`protocol\` text,\`settings\` text,\`stream_settings\` text,\`tag\` text,\`sniffing\` text,\`node_id\` integer,\`share_addr_strategy\` text DEFAULT "node",\`share_addr\` text,\`origin_node_guid\` text, \`traffic_reset_day\` integer DEFAULT 1,CONSTRAINT \`uni_inbounds_tag\` UNIQUE (\`tag\`));
CREATE TABLE \`client_traffics\` (\`id\` integer PRIMARY KEY AUTOINCREMENT,\`inbound_id\` integer,\`enable\` numeric,\`email\` text,\`up\` integer,\`down\` integer,\`expiry_time\` integer,\`total\` integer,\`reset\` integer DEFAULT 0,\`last_online\` integer DEFAULT 0,CONSTRAINT \`uni_client_traffics_email\` UNIQUE (\`email\`));
CREATE TABLE \`clients\` (\`id\` integer PRIMARY KEY AUTOINCREMENT,\`email\` text NOT NULL,\`sub_id\` text,\`uuid\` text,\`password\` text,\`auth\` text,\`flow\` text,\`security\` text,\`reverse\` text,\`wg_private_key\` text,\`wg_public_key\` text,\`wg_allowed_ips\` text,\`wg_pre_shared_key\` text,\`wg_keep_alive\` integer DEFAULT 0,\`secret\` text,\`ad_tag\` text DEFAULT "",\`limit_ip\` integer,\`total_gb\` integer,\`expiry_time\` integer,\`enable\` numeric DEFAULT true,\`tg_id\` integer,\`group_name\` text DEFAULT "",\`comment\` text,\`reset\` integer DEFAULT 0,\`created_at\` integer,\`updated_at\` integer);
CREATE TABLE \`client_inbounds\` (\`client_id\` integer,\`inbound_id\` integer,\`flow_override\` text,\`created_at\` integer,PRIMARY KEY (\`client_id\`,\`inbound_id\`));
CREATE UNIQUE INDEX \`idx_clients_email\` ON \`clients\`(\`email\`);
CREATE INDEX \`idx_client_inbounds_inbound_id\` ON \`client_inbounds\`(\`inbound_id\`);
`;

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const int = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
/** A nested object as the panel stores it (text); text the panel could not parse stays as it was. */
const jsonText = (v: unknown): string => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v, null, 2));

/** Each inbound's JSON flow per email: client_inbounds.flow_override, as the panel keeps it in step. */
function jsonFlows(inbound: StateInbound): Map<string, string> {
  const flows = new Map<string, string>();
  const clients = (inbound.settings as { clients?: unknown } | null)?.clients;
  if (!Array.isArray(clients)) return flows;
  for (const c of clients as { email?: unknown; flow?: unknown }[]) {
    if (typeof c?.email === "string") flows.set(c.email, str(c.flow));
  }
  return flows;
}

function fill(db: Database.Database, state: PanelState): void {
  const inbound = db.prepare(
    "INSERT INTO inbounds (id, user_id, up, down, total, remark, enable, expiry_time, listen, port, protocol, settings, stream_settings, tag, sniffing) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const client = db.prepare(
    `INSERT INTO clients (id, email, sub_id, uuid, password, auth, flow, security, reverse, wg_private_key, wg_public_key, wg_allowed_ips, wg_pre_shared_key,
       wg_keep_alive, secret, ad_tag, limit_ip, total_gb, expiry_time, enable, tg_id, group_name, comment, reset, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const link = db.prepare("INSERT OR IGNORE INTO client_inbounds (client_id, inbound_id, flow_override, created_at) VALUES (?, ?, ?, 0)");
  // The usage row of clients/list first: it carries the panel's totals across its nodes.
  const traffic = db.prepare(
    "INSERT OR IGNORE INTO client_traffics (id, inbound_id, enable, email, up, down, expiry_time, total, reset, last_online) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const addTraffic = (t: StateTraffic) => traffic.run(t.id, t.inboundId, t.enable ? 1 : 0, t.email, t.up, t.down, t.expiryTime, t.total, t.reset, t.lastOnline);
  const flows = new Map<number, Map<string, string>>();
  for (const i of state.inbounds) {
    inbound.run(i.id, i.up, i.down, i.total, i.remark, i.enable ? 1 : 0, i.expiryTime, i.listen, i.port, i.protocol, jsonText(i.settings), jsonText(i.streamSettings), i.tag, jsonText(i.sniffing));
    flows.set(i.id, jsonFlows(i));
  }
  for (const c of state.clients as (StateClient & Record<string, unknown>)[]) {
    const reverse = c.reverse === null || c.reverse === undefined ? "" : typeof c.reverse === "string" ? c.reverse : JSON.stringify(c.reverse);
    client.run(
      c.id, c.email, c.subId, c.uuid, c.password, c.auth, c.flow, c.security, reverse, str(c.privateKey), str(c.publicKey), c.allowedIPs ?? "",
      str(c.preSharedKey), int(c.keepAlive), str(c.secret), str(c.adTag), c.limitIp, c.totalGB, c.expiryTime, c.enable ? 1 : 0, c.tgId, c.group,
      c.comment, c.reset, c.createdAt ?? 0, c.updatedAt ?? 0,
    );
    for (const id of c.inboundIds ?? []) link.run(c.id, id, flows.get(id)?.get(c.email) ?? "");
    if (c.traffic) addTraffic(c.traffic);
  }
  for (const i of state.inbounds) for (const t of i.clientStats ?? []) addTraffic(t);
}

/** Writes `state` as a new 0600 SQLite file and renames it to `path` (its folder made 0700 when new). */
export function writeMirror(path: string, state: PanelState): void {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  closeSync(createPrivateFile(tmp));
  try {
    const db = new Database(tmp);
    try {
      // A file written once and renamed: a crash leaves a stray .tmp, never a torn mirror.
      db.pragma("journal_mode = OFF");
      db.pragma("synchronous = OFF");
      db.exec(DDL);
      db.transaction(() => fill(db, state))();
    } finally {
      db.close();
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

export interface MirrorOptions {
  /** A read is served from a mirror at most this old (ms) when it asks ensureFresh first. */
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Keeps the mirror of one panel: refresh() reads the panel and replaces the file; calls that
 * overlap share reads, but a refresh asked for while one runs gets a read that starts after
 * it was asked (a write's "refresh after" must not be served by a read from before it).
 */
export class PanelMirror {
  /** When the read behind the current file started; null before the first, or when stale. */
  private readAt: number | null = null;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly api: Pick<PanelApi, "readState">,
    readonly path: string,
    private readonly options: MirrorOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The age of the mirror in ms; null when there is none yet or it is known to be stale. */
  age(): number | null {
    return this.readAt === null ? null : this.now() - this.readAt;
  }

  refresh(): Promise<void> {
    if (!this.running) return this.start();
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  /** Refreshes when the mirror is older than maxAgeMs (or there is none). */
  async ensureFresh(): Promise<void> {
    const age = this.age();
    if (age === null || age >= this.options.maxAgeMs) await this.refresh();
  }

  /** The file no longer shows the panel (a write went through it): the next read refreshes. */
  markStale(): void {
    this.readAt = null;
  }

  private start(): Promise<void> {
    const run = (async () => {
      const startedAt = this.now();
      const state = await this.api.readState();
      writeMirror(this.path, state);
      this.readAt = startedAt;
    })().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}
