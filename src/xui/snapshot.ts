// A consistent picture of every client: each inbound's parsed settings joined with the
// client_traffics rows. Parsed settings are cached by their exact text, so a long-running bot
// parses a big inbound again only after someone (usually the panel) rewrote it.
import type Database from "better-sqlite3";
import { CLIENT_PROTOCOLS, type Client, type InboundInfo } from "../core/types.js";
import { formatSettings, parseSettings, type JsonObject } from "./panel-json.js";
import { clientSpans, spliceClients, type ClientSpans } from "./settings-splice.js";
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
  /** Where each client sits, by lower-case email and by key (made on first use). */
  readonly places: ClientPlaces;
  /** The places if they were made already (a later snapshot may take them over). */
  placesMade(): ClientPlaces | undefined;
}

/** A JSON client's place: its inbound and its index in that inbound's `clients`. */
export interface Place {
  inboundId: number;
  at: number;
}

/**
 * Every client's place by lower-case email and by key. A snapshot derived from another by our
 * own write that kept every client's email, key and place shares its places: resolving a
 * reference right after a change is a lookup, not a walk over every client.
 */
export interface ClientPlaces {
  byEmail: Map<string, Place[]>;
  byKey: Map<string, Place[]>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function placesOf(inbounds: Map<number, InboundSnapshot>): ClientPlaces {
  const places: ClientPlaces = { byEmail: new Map(), byKey: new Map() };
  for (const inbound of inbounds.values()) {
    inbound.clients.forEach((json, at) => {
      const place = { inboundId: inbound.id, at };
      push(places.byEmail, str(json.email).toLowerCase(), place);
      const key = clientKey(inbound.protocol, json);
      if (key) push(places.byKey, key, place);
    });
  }
  return places;
}

/** A snapshot of these parts; what is derived from them is made on first use. */
function snapshotOf(inbounds: Map<number, InboundSnapshot>, rowTable: RowTable, changeToken: string, multiInbound: boolean, given?: ClientPlaces): Snapshot {
  // Given (taken over from an earlier snapshot) or made on first use; never a reference to an
  // earlier snapshot, which would keep every one before it alive.
  let places = given;
  let clients: Client[] | undefined;
  let allRows: TrafficRow[] | undefined;
  const snapshot: Snapshot = {
    inbounds,
    rowTable,
    changeToken,
    multiInbound,
    get clients() {
      clients ??= joinClients(snapshot);
      return clients;
    },
    get allRows() {
      allRows ??= rowTable.rows();
      return allRows;
    },
    get places() {
      places ??= placesOf(inbounds);
      return places;
    },
    placesMade: () => places,
  };
  return snapshot;
}

/** One inbound of a snapshot, its settings parsed (or not: `parsed.error`). */
function inboundOf(r: { id: number; remark: string; protocol: string; port: number; enable: boolean; text: string }, parsed: { settings: JsonObject | null; error?: string } | null): InboundSnapshot {
  const inbound: InboundSnapshot = { ...r, settings: null, clients: [] };
  if (!parsed) return inbound;
  inbound.settings = parsed.settings;
  if (parsed.error !== undefined) inbound.settingsError = parsed.error;
  const list = parsed.settings?.clients;
  if (!Array.isArray(list)) return inbound;
  for (const item of list) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
    inbound.clients.push(item);
  }
  return inbound;
}

export const supportsClients = (protocol: string): boolean =>
  (CLIENT_PROTOCOLS as readonly string[]).includes(protocol);

export function clientKey(protocol: string, client: JsonObject): string {
  return str(protocol === "trojan" || protocol === "shadowsocks" ? client.password : client.id);
}

/** A parsed settings text; for splicing, whether it is the panel's serialisation and where its clients sit. */
interface Parsed {
  text: string;
  settings: JsonObject | null;
  error?: string;
  canonical?: boolean;
  spans?: ClientSpans | null;
}

/** Above this many changed clients in one inbound, one whole serialisation is as cheap as splicing. */
const SPLICE_MAX = 256;

export class SnapshotReader {
  private cache = new Map<number, Parsed>();
  private generation = -1;
  /**
   * The last snapshot, served again while the change token says nobody committed since: a
   * read of one client then costs a token check and a map lookup instead of a read and join of
   * every row (bench: GET /api/users/:ref). Snapshots are never modified after they are made.
   */
  private last: Snapshot | undefined;

  constructor(private readonly db: XuiDb) {}

  /** Record the object a committed write serialised as `text` (with the spans textFor() gave). */
  remember(inboundId: number, text: string, settings: JsonObject, spans?: ClientSpans): void {
    this.cache.set(inboundId, spans ? { text, settings, canonical: true, spans } : { text, settings });
  }

  /**
   * The text to store for `settings`, an edited copy of the settings inbound `id` had as
   * `base`, in which only the clients at `replaced` (ascending positions) are new objects:
   * spliced into `base` when that is the panel's own serialisation, else serialised whole.
   * `replaced` null: other changes too (a client removed), serialise whole.
   */
  textFor(id: number, base: string, settings: JsonObject, replaced: ReadonlyArray<readonly [number, JsonObject]> | null): { text: string; spans?: ClientSpans } {
    const whole = () => ({ text: formatSettings(settings) });
    const entry = this.cache.get(id);
    const count = Array.isArray(settings.clients) ? settings.clients.length : 0;
    if (!replaced || replaced.length === 0 || replaced.length > SPLICE_MAX || entry?.text !== base || !entry.settings) return whole();
    // Checked once per stored text: afterwards every text we splice is canonical by construction.
    entry.canonical ??= formatSettings(entry.settings) === base;
    if (!entry.canonical) return whole();
    if (entry.spans === undefined) entry.spans = clientSpans(base, count);
    if (!entry.spans || entry.spans.starts.length !== count) return whole();
    return spliceClients(base, entry.spans, replaced);
  }

  parseInbound(id: number, text: string): Parsed {
    const hit = this.cache.get(id);
    if (hit && hit.text === text) return hit;
    let entry: Parsed;
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
        this.last = undefined;
        this.generation = this.db.generation;
      }
      const token = this.db.changeToken();
      if (this.last?.changeToken === token) return this.last;
      this.last = conn.transaction(() => this.load(conn, this.db.changeToken()))();
      return this.last;
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
    for (const r of inboundRows) {
      const protocol = str(r.protocol);
      const text = str(r.settings);
      const fields = { id: r.id, remark: str(r.remark), protocol, port: num(r.port), enable: num(r.enable) !== 0, text };
      inbounds.set(r.id, inboundOf(fields, supportsClients(protocol) ? this.parseInbound(r.id, text) : null));
    }
    // The panel's traffic tick rewrites rows, not settings: when every inbound still holds the
    // same parsed settings, the clients sit where they sat, and the places carry over (at 10 000
    // clients a walk of ~10 ms that every read after a tick would otherwise pay).
    const last = this.last;
    const same = last !== undefined && last.inbounds.size === inbounds.size && [...inbounds].every(([id, i]) => last.inbounds.get(id)?.settings === i.settings && last.inbounds.get(id)?.protocol === i.protocol);
    return snapshotOf(inbounds, rowTable, changeToken, this.db.schema.family === "3x-ui-3", same ? last.placesMade() : undefined);
  }

  /**
   * After a commit of ours that started from the last snapshot (nobody committed in between,
   * `from` is its token): the next snapshot is that one with the rewritten inbounds and rows
   * put in, instead of a read of every row (bench: "extend one (big inbound), warm"). Only
   * for changes that keep every client's email, key and place: the places carry over.
   */
  patch(from: string, to: string, edited: ReadonlyMap<number, { text: string }>, rows: RowTable): void {
    const last = this.last;
    this.last = undefined;
    if (last?.changeToken !== from) return;
    const rowTable = last.rowTable.withRows(rows);
    if (!rowTable) return;
    const inbounds = new Map(last.inbounds);
    for (const [id, { text }] of edited) {
      const old = last.inbounds.get(id);
      const parsed = this.cache.get(id);
      if (!old || parsed?.text !== text) return;
      const next = inboundOf({ id, remark: old.remark, protocol: old.protocol, port: old.port, enable: old.enable, text }, parsed);
      if (next.clients.length !== old.clients.length) return;
      inbounds.set(id, next);
    }
    this.last = snapshotOf(inbounds, rowTable, to, last.multiInbound, last.placesMade());
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
