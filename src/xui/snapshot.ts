// A consistent picture of every client: each inbound's parsed settings joined with the
// client_traffics rows. Parsed settings are cached by their exact text, so a long-running bot
// parses a big inbound again only after someone (usually the panel) rewrote it.
import type Database from "better-sqlite3";
import { CLIENT_PROTOCOLS, type Client, type InboundInfo } from "../service/types.js";
import { parseSettings, type JsonObject } from "./panel-json.js";
import type { XuiDb } from "./database.js";

export interface TrafficRow {
  id: number;
  inbound_id: number;
  enable: number;
  email: string;
  up: number;
  down: number;
  expiry_time: number;
  total: number;
  reset: number;
  all_time: number;
  last_online: number;
}

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
  /** Rows by exact email, as the panel joins them. */
  rows: Map<string, TrafficRow>;
  /** Rows by lower-cased email (the first of case-only duplicates), the fallback join;
   *  built on first use: exact emails almost always match. */
  readonly rowsLower: Map<string, TrafficRow>;
  /** Every row, duplicates included, for the consistency check. */
  allRows: TrafficRow[];
  /** XuiDb.changeToken() taken before the first statement of this read. */
  changeToken: string;
  clients: Client[];
}

export const supportsClients = (protocol: string): boolean =>
  (CLIENT_PROTOCOLS as readonly string[]).includes(protocol);

/** Lenient number: real files hold "", numeric strings, null or nothing where numbers belong. */
export function num(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return 0;
}

/** Lenient string: numbers and booleans as text, anything else (null, objects) as "". */
export const str = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : "";

export function clientKey(protocol: string, client: JsonObject): string {
  return str(protocol === "trojan" || protocol === "shadowsocks" ? client.password : client.id);
}

/** SQL for the row columns this file has; absent ones read as 0. */
export function trafficSelect(columns: ReadonlySet<string>): string {
  const opt = (c: string) => (columns.has(c) ? `\`${c}\`` : `0 AS \`${c}\``);
  return `SELECT id, inbound_id, enable, email, up, down, expiry_time, total, ${opt("reset")}, ${opt("all_time")}, ${opt("last_online")} FROM client_traffics`;
}

const int = (v: unknown): number => (typeof v === "number" ? v : num(v));

/**
 * Builds a row from SQLite's raw column array (the order of trafficSelect). One literal
 * shape for every row keeps property access fast in the per-client loops, and NULL or text
 * in a hand-edited file reads as a number.
 */
export function rowFromRaw(r: unknown[]): TrafficRow {
  return {
    id: r[0] as number,
    inbound_id: int(r[1]),
    enable: r[2] === 1 || r[2] === 0 ? r[2] : num(r[2]) ? 1 : 0,
    email: typeof r[3] === "string" ? r[3] : str(r[3]),
    up: int(r[4]),
    down: int(r[5]),
    expiry_time: int(r[6]),
    total: int(r[7]),
    reset: int(r[8]),
    all_time: int(r[9]),
    last_online: int(r[10]),
  };
}

/**
 * Reads rows (all, or those matching `where`) as TrafficRow objects. Iterating keeps each raw
 * column array short-lived; `.all()` would hold 20 000 of them at once for the GC to copy.
 */
export function readRows(conn: Database.Database, columns: ReadonlySet<string>, where = "", ...params: unknown[]): TrafficRow[] {
  const rows: TrafficRow[] = [];
  for (const raw of conn.prepare(`${trafficSelect(columns)} ${where}`).raw().iterate(...params)) rows.push(rowFromRaw(raw as unknown[]));
  return rows;
}

export class SnapshotReader {
  private cache = new Map<number, { text: string; settings: JsonObject | null; error?: string }>();
  private generation = -1;

  constructor(private readonly db: XuiDb) {}

  /** Forget a cached parse whose object was mutated by a write that did not commit. */
  forget(inboundId: number): void {
    this.cache.delete(inboundId);
  }

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

  read(): Snapshot {
    return this.db.read((conn) => {
      if (this.generation !== this.db.generation) {
        this.cache.clear();
        this.generation = this.db.generation;
      }
      return this.load(conn, this.db.changeToken());
    });
  }

  private load(conn: Database.Database, changeToken: string): Snapshot {
    const cols = this.db.schema.inboundColumns;
    const inboundRows = conn
      .prepare(
        `SELECT id, ${cols.has("remark") ? "remark" : "'' AS remark"}, protocol, ${cols.has("port") ? "port" : "0 AS port"}, ${cols.has("enable") ? "enable" : "1 AS enable"}, settings FROM inbounds ORDER BY id`,
      )
      .all() as { id: number; remark: unknown; protocol: unknown; port: unknown; enable: unknown; settings: unknown }[];
    const allRows = this.db.schema.family === "unknown" ? [] : readRows(conn, this.db.schema.trafficColumns);
    const rows = new Map<string, TrafficRow>();
    for (const row of allRows) rows.set(row.email, row);
    const inbounds = new Map<number, InboundSnapshot>();
    let clients: Client[] | undefined;
    let rowsLower: Map<string, TrafficRow> | undefined;
    const snapshot: Snapshot = {
      inbounds,
      rows,
      allRows,
      changeToken,
      get clients() {
        clients ??= joinClients(snapshot);
        return clients;
      },
      get rowsLower() {
        rowsLower ??= lowerIndex(allRows);
        return rowsLower;
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

function lowerIndex(rows: TrafficRow[]): Map<string, TrafficRow> {
  const index = new Map<string, TrafficRow>();
  for (const row of rows) {
    // Case-only duplicates exist in the wild: the first row wins, check reports the rest.
    const lower = row.email.toLowerCase();
    if (!index.has(lower)) index.set(lower, row);
  }
  return index;
}

function joinClients(snapshot: Snapshot): Client[] {
  const out: Client[] = [];
  for (const inbound of snapshot.inbounds.values()) {
    for (const json of inbound.clients) out.push(toClient(inbound, json, rowOf(snapshot, str(json.email))));
  }
  return out;
}

/** The client_traffics row of a JSON client: exact email first, as the panel joins. */
export function rowOf(snapshot: Pick<Snapshot, "rows" | "rowsLower">, email: string): TrafficRow | undefined {
  return snapshot.rows.get(email) ?? snapshot.rowsLower.get(email.toLowerCase());
}

export function toClient(inbound: InboundSnapshot, json: JsonObject, row: TrafficRow | undefined): Client {
  const enabled = json.enable !== false;
  return {
    email: str(json.email),
    inboundId: inbound.id,
    inboundRemark: inbound.remark,
    protocol: inbound.protocol,
    key: clientKey(inbound.protocol, json),
    subId: str(json.subId),
    tgId: num(json.tgId),
    comment: str(json.comment),
    limitIp: num(json.limitIp),
    enabled,
    active: row ? row.enable === 1 : enabled,
    expiryTime: row ? row.expiry_time : num(json.expiryTime),
    totalBytes: row ? row.total : num(json.totalGB),
    reset: row ? row.reset : num(json.reset),
    up: row?.up ?? 0,
    down: row?.down ?? 0,
    allTime: row?.all_time ?? 0,
    lastOnline: row?.last_online ?? 0,
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
