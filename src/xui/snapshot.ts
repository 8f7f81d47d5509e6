// A consistent picture of every client: each inbound's parsed settings joined with the
// client_traffics rows. Parsed settings are cached by their exact text, so a long-running bot
// parses a big inbound again only after someone (usually the panel) rewrote it.
import type Database from "better-sqlite3";
import { CLIENT_PROTOCOLS, type Client, type InboundInfo } from "../core/types.js";
import { parseSettings, type JsonObject } from "./panel-json.js";
import { RowTable, type TrafficRow } from "./row-table.js";
import { num, str } from "./values.js";

export type { TrafficRow } from "./row-table.js";
export { num, str } from "./values.js";
import type { XuiDb } from "./database.js";

export interface InboundSnapshot {
  id: number;
  remark: string;
  protocol: string;
  port: number;
  enable: boolean;
  /** The settings column exactly as read. */
  text: string;
  /** Parsed settings; null when the text is not a JSON object. */
  settings: JsonObject | null;
  settingsError?: string;
  /** The JSON client objects (live references into `settings`). */
  clients: JsonObject[];
}

export interface Snapshot {
  inbounds: Map<number, InboundSnapshot>;
  /** Every client_traffics row, duplicates included. */
  rowTable: RowTable;
  /** Every row as an object (made on first use), for the consistency check and sync. */
  readonly allRows: TrafficRow[];
  /** XuiDb.changeToken() taken before the first statement of this read. */
  changeToken: string;
  /** 3x-ui 3.x: one client may sit in several inbounds' JSON, and is one client. */
  multiInbound: boolean;
  clients: Client[];
}

export const supportsClients = (protocol: string): boolean =>
  (CLIENT_PROTOCOLS as readonly string[]).includes(protocol);

export function clientKey(protocol: string, client: JsonObject): string {
  return str(protocol === "trojan" || protocol === "shadowsocks" ? client.password : client.id);
}

export class SnapshotReader {
  private cache = new Map<number, { text: string; settings: JsonObject | null; error?: string }>();
  private generation = -1;

  constructor(private readonly db: XuiDb) {}

  /** Record the object a committed write serialised as `text`. */
  remember(inboundId: number, text: string, settings: JsonObject): void {
    this.cache.set(inboundId, { text, settings });
  }

  parseInbound(id: number, text: string): { settings: JsonObject | null; error?: string } {
    const hit = this.cache.get(id);
    if (hit && hit.text === text) return hit;
    let entry: { text: string; settings: JsonObject | null; error?: string };
    try {
      entry = { text, settings: parseSettings(text) };
    } catch (error) {
      entry = { text, settings: null, error: (error as Error).message };
    }
    this.cache.set(id, entry);
    return entry;
  }

  /** Inbounds and rows in one read transaction: never one from before a commit and the other from after. */
  read(): Snapshot {
    return this.db.read((conn) => {
      if (this.generation !== this.db.generation) {
        this.cache.clear();
        this.generation = this.db.generation;
      }
      return conn.transaction(() => this.load(conn, this.db.changeToken()))();
    });
  }

  private load(conn: Database.Database, changeToken: string): Snapshot {
    const cols = this.db.schema.inboundColumns;
    const inboundRows = conn
      .prepare(
        `SELECT id, ${cols.has("remark") ? "remark" : "'' AS remark"}, protocol, ${cols.has("port") ? "port" : "0 AS port"}, ${cols.has("enable") ? "enable" : "1 AS enable"}, settings FROM inbounds ORDER BY id`,
      )
      .all() as { id: number; remark: unknown; protocol: unknown; port: unknown; enable: unknown; settings: unknown }[];
    const rowTable = this.db.schema.family === "unknown" ? RowTable.empty() : RowTable.read(conn, this.db.schema.trafficColumns);
    const inbounds = new Map<number, InboundSnapshot>();
    let clients: Client[] | undefined;
    let allRows: TrafficRow[] | undefined;
    const snapshot: Snapshot = {
      inbounds,
      rowTable,
      changeToken,
      multiInbound: this.db.schema.family === "3x-ui-3",
      get clients() {
        clients ??= joinClients(snapshot);
        return clients;
      },
      get allRows() {
        allRows ??= rowTable.rows();
        return allRows;
      },
    };
    for (const r of inboundRows) {
      const protocol = str(r.protocol);
      const text = str(r.settings);
      const inbound: InboundSnapshot = {
        id: r.id,
        remark: str(r.remark),
        protocol,
        port: num(r.port),
        enable: num(r.enable) !== 0,
        text,
        settings: null,
        clients: [],
      };
      inbounds.set(r.id, inbound);
      if (!supportsClients(protocol)) continue;
      const parsed = this.parseInbound(r.id, text);
      inbound.settings = parsed.settings;
      if (parsed.error !== undefined) inbound.settingsError = parsed.error;
      const list = parsed.settings?.clients;
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
        inbound.clients.push(item);
      }
    }
    return snapshot;
  }
}

function joinClients(snapshot: Snapshot): Client[] {
  const out: Client[] = [];
  const byEmail = new Map<string, Client>();
  for (const inbound of snapshot.inbounds.values()) {
    for (const json of inbound.clients) {
      const email = str(json.email);
      const seen = snapshot.multiInbound ? byEmail.get(email) : undefined;
      if (seen) {
        seen.inboundIds.push(inbound.id);
        continue;
      }
      const client = toClient(inbound, json, rowOf(snapshot, email));
      out.push(client);
      if (snapshot.multiInbound) byEmail.set(email, client);
    }
  }
  return out;
}

/** The client_traffics row of a JSON client, as an object (one per row: identity holds). */
export function rowOf(snapshot: Pick<Snapshot, "rowTable" | "allRows">, email: string): TrafficRow | undefined {
  const i = snapshot.rowTable.indexOf(email);
  return i < 0 ? undefined : snapshot.allRows[i];
}

/** The JSON client's `updated_at` (the panel writes ms as a number); null when it has none. */
export const jsonStamp = (json: JsonObject): number | null => (typeof json.updated_at === "number" ? json.updated_at : null);

export function toClient(inbound: InboundSnapshot, json: JsonObject, row: TrafficRow | undefined): Client {
  const enabled = json.enable !== false;
  return {
    email: str(json.email),
    inboundId: inbound.id,
    inboundIds: [inbound.id],
    inboundRemark: inbound.remark,
    protocol: inbound.protocol,
    key: clientKey(inbound.protocol, json),
    subId: str(json.subId),
    tgId: num(json.tgId),
    comment: str(json.comment),
    limitIp: num(json.limitIp),
    group: str(json.group),
    flow: str(json.flow),
    enabled,
    active: row ? row.enable === 1 : enabled,
    expiryTime: row ? row.expiry_time : num(json.expiryTime),
    totalBytes: row ? row.total : num(json.totalGB),
    reset: row ? row.reset : num(json.reset),
    up: row?.up ?? 0,
    down: row?.down ?? 0,
    allTime: row?.all_time ?? 0,
    lastOnline: row?.last_online ?? 0,
    updatedAt: jsonStamp(json),
    hasTrafficRow: row !== undefined,
  };
}

export function inboundInfo(inbound: InboundSnapshot): InboundInfo {
  const info: InboundInfo = {
    id: inbound.id,
    remark: inbound.remark,
    protocol: inbound.protocol,
    port: inbound.port,
    enable: inbound.enable,
    clientCount: inbound.clients.length,
    supportsClients: supportsClients(inbound.protocol) && inbound.settings !== null,
  };
  if (inbound.settingsError !== undefined) info.settingsError = inbound.settingsError;
  return info;
}
