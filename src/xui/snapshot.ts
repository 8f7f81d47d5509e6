// A consistent picture of every client: each inbound's settings joined with the client_traffics
// rows. What is read of each inbound's settings is cached by their exact text, so a long-running
// bot parses a big inbound again only after someone (usually the panel) rewrote it; a compact
// reader keeps the text and where each client sits in it instead of the parse.
import type Database from "better-sqlite3";
import { CLIENT_PROTOCOLS, type Client, type InboundInfo } from "../core/types.js";
import { formatSettings, parseSettings, type JsonObject } from "./panel-json.js";
import { clientSpans, isCanonicalLayout, spliceClients, type ClientSpans } from "./settings-splice.js";
import { RowTable, type TrafficRow } from "./row-table.js";
import { num, str } from "./values.js";

export type { TrafficRow } from "./row-table.js";
export { num, str } from "./values.js";
import type { XuiDb } from "./database.js";

/** One inbound's settings as the reader keeps them from one snapshot to the next. */
interface Source {
  /** The settings column exactly as read. */
  text: string;
  /**
   * The parse, or null when the text is not a JSON object; undefined when it is not kept (a
   * compact reader keeps the text and the clients' spans instead) and is parsed on use.
   */
  settings?: JsonObject | null;
  error?: string;
  /** Whether the text is the panel's own serialisation of what it holds; undefined: not checked yet. */
  canonical?: boolean;
  /** Where each client sits in the text (canonical texts only); null: not laid out for it. */
  spans?: ClientSpans | null;
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/** The JSON client objects of parsed settings, by their position in `clients`. */
function eachIn(settings: JsonObject | null | undefined, fn: (json: JsonObject, at: number) => void): void {
  const list = settings?.clients;
  if (Array.isArray(list)) list.forEach((item, at) => isObject(item) && fn(item, at));
}

/**
 * One inbound as a snapshot saw it. Its settings are parsed when first asked for and kept by
 * this object only; a client's own object can be had without them (`client`), from its bytes.
 */
export class InboundSnapshot {
  readonly settingsError?: string;
  private parsed: { settings: JsonObject | null; clients: JsonObject[] } | undefined;

  constructor(
    readonly id: number,
    readonly remark: string,
    readonly protocol: string,
    readonly port: number,
    readonly enable: boolean,
    /** Null for an inbound whose protocol has no clients (its settings are not read). */
    private readonly source: Source | null,
    text: string,
  ) {
    this.text = source?.text ?? text;
    if (source?.error !== undefined) this.settingsError = source.error;
  }

  /** The settings column exactly as read. */
  readonly text: string;

  /** Whether `other` holds the very settings this one does (the same text, read once). */
  sameSettings(other: InboundSnapshot | undefined): boolean {
    return other !== undefined && other.source === this.source && other.protocol === this.protocol;
  }

  private parse(): { settings: JsonObject | null; clients: JsonObject[] } {
    if (this.parsed) return this.parsed;
    const settings = this.whole();
    const clients: JsonObject[] = [];
    eachIn(settings, (json) => clients.push(json));
    this.parsed = { settings, clients };
    return this.parsed;
  }

  private whole(): JsonObject | null {
    if (!this.source || this.settingsError !== undefined) return null;
    return this.source.settings !== undefined ? this.source.settings : parseSettings(this.text);
  }

  /** Parsed settings; null when the text is not a JSON object (or the protocol has no clients). */
  get settings(): JsonObject | null {
    return this.parse().settings;
  }

  /** The JSON client objects (live references into `settings`). */
  get clients(): JsonObject[] {
    return this.parse().clients;
  }

  /** How many JSON clients it lists, without parsing them. */
  get clientCount(): number {
    return this.bytesOnly?.starts.length ?? this.clients.length;
  }

  /** Whether its settings are a JSON object with clients this tool can edit. */
  get editable(): boolean {
    return this.source !== null && this.settingsError === undefined && supportsClients(this.protocol);
  }

  /** The clients' spans when the settings are neither parsed nor kept: clients come from their bytes. */
  private get bytesOnly(): ClientSpans | undefined {
    const spans = this.source?.spans;
    return this.parsed === undefined && spans && this.source?.settings === undefined ? spans : undefined;
  }

  /** Client `at` parsed from its own bytes. */
  private parseAt(spans: ClientSpans, at: number): JsonObject {
    return parseSettings(this.text.slice(spans.starts[at], spans.ends[at]));
  }

  /**
   * The JSON client at position `at` of `settings.clients` (undefined when that is no object):
   * the parsed one when the settings are parsed, else a parse of its own bytes.
   */
  client(at: number): JsonObject | undefined {
    const spans = this.bytesOnly;
    if (spans) return at >= 0 && at < spans.starts.length ? this.parseAt(spans, at) : undefined;
    const item = (this.settings?.clients as unknown[] | undefined)?.[at];
    return isObject(item) ? item : undefined;
  }

  /**
   * Every JSON client with its position: from the parse kept, else from a parse made for this
   * walk and dropped (client by client where the spans are known, so that no whole parse of a
   * big inbound is alive at once).
   */
  each(fn: (json: JsonObject, at: number) => void): void {
    const spans = this.bytesOnly;
    if (!spans) return eachIn(this.parsed ? this.parsed.settings : this.whole(), fn);
    for (let at = 0; at < spans.starts.length; at++) fn(this.parseAt(spans, at), at);
  }
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
  /** By the Telegram ID a client is linked to (the end user's own clients). */
  byTgId: Map<number, Place[]>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function placesOf(inbounds: Map<number, InboundSnapshot>): ClientPlaces {
  const places: ClientPlaces = { byEmail: new Map(), byKey: new Map(), byTgId: new Map() };
  for (const inbound of inbounds.values()) {
    inbound.each((json, at) => {
      const place = { inboundId: inbound.id, at };
      push(places.byEmail, str(json.email).toLowerCase(), place);
      const key = clientKey(inbound.protocol, json);
      if (key) push(places.byKey, key, place);
      const tgId = num(json.tgId);
      if (tgId > 0) push(places.byTgId, tgId, place);
    });
  }
  return places;
}

/** The places of the clients a reference names: its email in any case, else its key as given or in lower case. */
export function placesNamed(places: ClientPlaces, ref: string): Place[] | undefined {
  return places.byEmail.get(ref.toLowerCase()) ?? places.byKey.get(ref) ?? places.byKey.get(ref.toLowerCase());
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

export const supportsClients = (protocol: string): boolean =>
  (CLIENT_PROTOCOLS as readonly string[]).includes(protocol);

export function clientKey(protocol: string, client: JsonObject): string {
  return str(protocol === "trojan" || protocol === "shadowsocks" ? client.password : client.id);
}

/** A text parsed whole, or why it does not parse. */
function parsedSource(text: string): Source {
  try {
    return { text, settings: parseSettings(text) };
  } catch (error) {
    return { text, settings: null, error: (error as Error).message };
  }
}

/** Above this many changed clients in one inbound, one whole serialisation is as cheap as splicing. */
export const SPLICE_MAX = 256;

/** A text's count of entries in `clients` (objects or not). */
const entriesIn = (settings: JsonObject): number => (Array.isArray(settings.clients) ? settings.clients.length : 0);

export interface ReaderOptions {
  /**
   * For a long-running process: keep each inbound's settings as its text and the spans of its
   * clients, not parsed, and parse a client at a time. What it buys, measured on the bench's
   * API process: at 50 000 clients ~11 MB less heap and ~7 MB less resident memory (79 -> 72 MB
   * above the baseline, ~10 % of that figure), at 10 000 ~1 MB. A new text is checked once, a
   * client at a time, to be the panel's own layout; a one-shot command parses it whole
   * instead, which is quicker once.
   */
  compact?: boolean;
}

/** An inbounds row as read (settings: the text, or what a query made of it). */
interface InboundRow {
  id: number;
  remark: unknown;
  protocol: unknown;
  port: unknown;
  enable: unknown;
  settings: unknown;
}

const inboundOf = (r: InboundRow, source: Source | null, text: string): InboundSnapshot =>
  new InboundSnapshot(r.id, str(r.remark), str(r.protocol), num(r.port), num(r.enable) !== 0, source, text);

export class SnapshotReader {
  private cache = new Map<number, Source>();
  private generation = -1;
  /**
   * The last snapshot, served again while the change token says nobody committed since: a
   * read of one client then costs a token check and a map lookup instead of a read and join of
   * every row (bench: GET /api/users/:ref). Snapshots are never modified after they are made.
   */
  private last: Snapshot | undefined;

  constructor(
    private readonly db: XuiDb,
    private readonly options: ReaderOptions = {},
  ) {}

  /**
   * Record what a committed write stored as inbound `inboundId`'s settings: `text`, which we
   * serialised (so it is canonical), with the object it serialised or the spans textFor() gave.
   */
  remember(inboundId: number, text: string, settings?: JsonObject, spans?: ClientSpans): void {
    const entry: Source = { text, canonical: true };
    if (settings) entry.settings = settings;
    if (spans) entry.spans = spans;
    this.cache.set(inboundId, this.options.compact ? this.compacted(entry) : entry);
  }

  /**
   * The text to store for inbound `id`, which had `base`, when only the clients at `replaced`
   * (ascending positions) are new objects: spliced into `base` when that is the panel's own
   * serialisation, else `edited()` serialised whole. `replaced` null: other changes too (a
   * client removed), serialise whole.
   */
  textFor(id: number, base: string, edited: () => JsonObject, replaced: ReadonlyArray<readonly [number, JsonObject]> | null): { text: string; settings?: JsonObject; spans?: ClientSpans } {
    const whole = () => {
      const settings = edited();
      return { text: formatSettings(settings), settings };
    };
    const entry = this.cache.get(id);
    if (!replaced || replaced.length === 0 || replaced.length > SPLICE_MAX || entry?.text !== base) return whole();
    // Checked once per stored text: afterwards every text we splice is canonical by construction.
    if (entry.canonical === undefined) {
      if (!entry.settings) return whole();
      entry.canonical = formatSettings(entry.settings) === base;
    }
    if (!entry.canonical) return whole();
    if (entry.spans === undefined) entry.spans = entry.settings ? clientSpans(base, entriesIn(entry.settings)) : null;
    if (!entry.spans) return whole();
    return spliceClients(base, entry.spans, replaced);
  }

  /** A compact reader's entry for a text we serialised: the parse dropped where spans stand for it. */
  private compacted(entry: Source): Source {
    if (entry.settings && entry.spans === undefined) entry.spans = clientSpans(entry.text, entriesIn(entry.settings));
    if (entry.spans) delete entry.settings;
    return entry;
  }

  private source(id: number, text: string): Source {
    const hit = this.cache.get(id);
    if (hit && hit.text === text) return hit;
    const entry = (this.options.compact && this.spanned(text)) || parsedSource(text);
    this.cache.set(id, entry);
    return entry;
  }

  /** A text read as the panel lays it out, as its clients' spans (checked a client at a time, never parsed whole). */
  private spanned(text: string): Source | null {
    const spans = clientSpans(text);
    return spans && isCanonicalLayout(text, spans) ? { text, canonical: true, spans } : null;
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

  /** Each inbound's own columns (those this file has), and its settings or what `settings` is made of. */
  private inboundRows(conn: Database.Database, settings: string): InboundRow[] {
    const cols = this.db.schema.inboundColumns;
    return conn
      .prepare(
        `SELECT id, ${cols.has("remark") ? "remark" : "'' AS remark"}, protocol, ${cols.has("port") ? "port" : "0 AS port"}, ${cols.has("enable") ? "enable" : "1 AS enable"}, ${settings} AS settings FROM inbounds ORDER BY id`,
      )
      .all() as InboundRow[];
  }

  private load(conn: Database.Database, changeToken: string): Snapshot {
    const inboundRows = this.inboundRows(conn, "settings");
    const rowTable = this.db.schema.family === "unknown" ? RowTable.empty() : RowTable.read(conn, this.db.schema.trafficColumns);
    const inbounds = new Map<number, InboundSnapshot>();
    for (const r of inboundRows) {
      const protocol = str(r.protocol);
      const text = str(r.settings);
      // The text kept is the cached one when it is the same: one copy of a big inbound's text.
      const source = supportsClients(protocol) ? this.source(r.id, text) : null;
      inbounds.set(r.id, inboundOf(r, source, text));
    }
    // The panel's traffic tick rewrites rows, not settings: when every inbound still holds the
    // same settings, the clients sit where they sat, and the places carry over (at 10 000
    // clients a walk of ~10 ms that every read after a tick would otherwise pay).
    const last = this.last;
    const same = last !== undefined && last.inbounds.size === inbounds.size && [...inbounds].every(([id, i]) => i.sameSettings(last.inbounds.get(id)));
    return snapshotOf(inbounds, rowTable, changeToken, this.db.schema.family === "3x-ui-3", same ? last.placesMade() : undefined);
  }

  /**
   * `fn` on the last snapshot with rows read one at a time as they are now, when no inbound
   * changed since it was made (its columns and settings text compared in SQL, once per change
   * token): the panel's traffic tick rewrites rows only, and a read of one client after it then
   * costs one indexed query, not a read of every row (bench: throughput while the panel
   * writes). Undefined when that cannot be said (an inbound changed, no such row, or a 3.x
   * file, where one client's row does not make the client joined across its inbounds): the
   * caller reads a whole snapshot.
   */
  withRowsNow<T>(fn: (snapshot: Snapshot, rowFor: (email: string) => TrafficRow | undefined) => T): T | undefined {
    return this.db.read((conn) => {
      const last = this.last;
      if (!last || last.multiInbound || this.generation !== this.db.generation || this.db.schema.family === "unknown") return undefined;
      // Nobody committed since: the snapshot itself, without a transaction (as read() serves it).
      if (this.db.changeToken() === last.changeToken) return fn(last, (email) => last.rowTable.rowFor(email));
      return conn.transaction(() => {
        // (The token only moves on: it cannot be the snapshot's again.)
        const token = this.db.changeToken();
        if (this.settled?.snapshot !== last || this.settled.token !== token) {
          if (!this.inboundsHold(conn, last)) return undefined;
          this.settled = { snapshot: last, token };
        }
        let missing = false;
        const result = fn(last, (email) => {
          const rows = RowTable.readEmail(conn, this.db.schema.trafficColumns, email);
          if (rows.length === 0) missing = true;
          return rows.length === 0 ? undefined : rows.row(rows.length - 1);
        });
        // A JSON client without an exact row: the whole snapshot's join (any case) decides.
        return missing ? undefined : result;
      })();
    });
  }

  /** The last snapshot and the change token at which its inbounds were last seen to hold. */
  private settled: { snapshot: Snapshot; token: string } | undefined;

  /** Whether every inbound is as `snapshot` has it: the same IDs, columns and settings text. */
  private inboundsHold(conn: Database.Database, snapshot: Snapshot): boolean {
    // The text is compared by SQLite, not carried into JS: a cheap check of a big inbound.
    const same = conn.prepare("SELECT settings = ? FROM inbounds WHERE id = ?").pluck();
    const now = this.inboundRows(conn, "NULL");
    return (
      now.length === snapshot.inbounds.size &&
      now.every((r) => {
        const was = snapshot.inbounds.get(r.id);
        const is = inboundOf(r, null, "");
        return was !== undefined && was.remark === is.remark && was.protocol === is.protocol && was.port === is.port && was.enable === is.enable && same.get(was.text, r.id) === 1;
      })
    );
  }

  /**
   * After a commit of ours that started from the last snapshot (nobody committed in between,
   * `from` is its token): the next snapshot is that one with the rewritten inbounds and rows
   * put in, instead of a read of every row (bench: "extend one (big inbound), warm"). Only
   * for changes that keep every client's email, key, Telegram ID and place: the places carry
   * over.
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
      const source = this.cache.get(id);
      if (!old || source?.text !== text) return;
      const next = new InboundSnapshot(id, old.remark, old.protocol, old.port, old.enable, source, text);
      if (next.clientCount !== old.clientCount) return;
      inbounds.set(id, next);
    }
    this.last = snapshotOf(inbounds, rowTable, to, last.multiInbound, last.placesMade());
  }
}

/**
 * Every client once: `first` for its first entry, `again` for each further inbound that lists
 * it on 3.x (one client in several inbounds). The JSON comes from a parse made for this walk.
 */
function walkClients(snapshot: Snapshot, first: (inbound: InboundSnapshot, json: JsonObject, email: string) => void, again: (email: string, inbound: InboundSnapshot) => void): void {
  const seen = new Set<string>();
  for (const inbound of snapshot.inbounds.values()) {
    inbound.each((json) => {
      const email = str(json.email);
      if (snapshot.multiInbound && seen.has(email)) return again(email, inbound);
      if (snapshot.multiInbound) seen.add(email);
      first(inbound, json, email);
    });
  }
}

function joinClients(snapshot: Snapshot): Client[] {
  const out: Client[] = [];
  const byEmail = new Map<string, Client>();
  const rows = snapshot.rowTable;
  walkClients(
    snapshot,
    (inbound, json, email) => {
      // Rows made for the join and dropped: the snapshot keeps its rows in columns.
      const client = toClient(inbound, json, rows.rowFor(email));
      out.push(client);
      if (snapshot.multiInbound) byEmail.set(email, client);
    },
    (email, inbound) => byEmail.get(email)?.inboundIds.push(inbound.id),
  );
  return out;
}

/** A client's usage counters, as the usage history samples them. */
export interface ClientUsage {
  email: string;
  key: string;
  up: number;
  down: number;
  /** The server it is on, when a fleet of several read it. */
  server?: string;
}

/**
 * Every client's counters, without joining whole clients: the usage sampler's read, which a
 * long-running process makes every few minutes and need not keep (see Snapshot.clients).
 */
export function clientUsage(snapshot: Snapshot): ClientUsage[] {
  const out: ClientUsage[] = [];
  const rows = snapshot.rowTable;
  walkClients(
    snapshot,
    (inbound, json, email) => {
      const i = rows.indexOf(email);
      out.push({ email, key: clientKey(inbound.protocol, json), ...(i < 0 ? { up: 0, down: 0 } : rows.usage(i)) });
    },
    () => undefined,
  );
  return out;
}

/**
 * The client_traffics row of a JSON client, as an object: one per row, so identity holds (the
 * check and sync match rows by it); they are made for every row at once and kept by the
 * snapshot, so a read of one client takes `rowTable.rowFor` instead.
 */
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
    clientCount: inbound.clientCount,
    supportsClients: inbound.editable,
  };
  if (inbound.settingsError !== undefined) info.settingsError = inbound.settingsError;
  return info;
}
