// client_traffics rows in columns, kept for speed and memory: 20 000 row objects (ten numbers
// each, every big one boxed on its own) would be copied by every scavenge while the settings
// are parsed, typed arrays are not. Measured when it replaced the objects: the garbage
// collector's share of `extend --all` at 20 000 clients ~95 -> ~55 ms, the whole-process ratio
// 1.75 -> 1.5; and in the long-running process 80 bytes a row where objects take ~270 (at
// 50 000 clients ~9 MB of the ~70 MB above its baseline). The columns stay inside this file:
// others ask for a row's id, state, usage or object by its index.
import type Database from "better-sqlite3";
import type { ClientState } from "../core/types.js";
import { num, str } from "./values.js";

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

/** The columns in the order every read of them names them; the last three are absent from older panels' files. */
const COLUMN_ORDER = ["id", "inbound_id", "enable", "email", "up", "down", "expiry_time", "total", "reset", "all_time", "last_online"] as const;
const OPTIONAL: ReadonlySet<string> = new Set(["reset", "all_time", "last_online"]);

/** Column `c` as SQL: itself, or 0 when this file lacks it. */
const columnSql = (c: string, columns: ReadonlySet<string>): string => (OPTIONAL.has(c) && !columns.has(c) ? "0" : `\`${c}\``);

/** SQL for the row columns this file has; absent ones read as 0. */
export function trafficSelect(columns: ReadonlySet<string>): string {
  return `SELECT ${COLUMN_ORDER.map((c) => `${columnSql(c, columns)} AS \`${c}\``).join(", ")} FROM client_traffics`;
}

type NumberColumn = Exclude<keyof TrafficRow, "email">;
type RowColumns = Record<NumberColumn, Float64Array>;

const allocate = (n: number): RowColumns => ({
  id: new Float64Array(n),
  inbound_id: new Float64Array(n),
  enable: new Float64Array(n),
  up: new Float64Array(n),
  down: new Float64Array(n),
  expiry_time: new Float64Array(n),
  total: new Float64Array(n),
  reset: new Float64Array(n),
  all_time: new Float64Array(n),
  last_online: new Float64Array(n),
});

const int = (v: unknown): number => (typeof v === "number" ? v : num(v));
const enableOf = (v: unknown): number => (v === 1 || v === 0 ? v : num(v) ? 1 : 0);

/**
 * Every row's values, one JSON array per column made by SQLite in one statement (so no row can
 * arrive in between), in rowid order like a scan. Why not a row at a time: better-sqlite3 makes
 * an array and a value per cell, and at 20 000 rows that scan cost ~85-115 ms in a fresh process
 * where this costs ~50-65 ms (the cold read of `xui-admin extend --all`, and every full read of
 * a long-running process after someone else's commit). A BLOB (only a hand-edited file has one
 * here) goes in as NULL: JSON cannot hold it, and SQLite would read one that happens to be valid
 * JSONB as that JSON; NULL reads as the row scan read a BLOB (0, "").
 */
function wholeColumns(conn: Database.Database, columns: ReadonlySet<string>): unknown[][] {
  const cells = COLUMN_ORDER.map((name) => {
    const c = columnSql(name, columns);
    return `json_group_array(iif(typeof(${c}) = 'blob', NULL, ${c}))`;
  });
  const texts = conn.prepare(`SELECT ${cells.join(", ")} FROM client_traffics`).raw().get() as string[];
  return texts.map((text) => JSON.parse(text) as unknown[]);
}

export class RowTable {
  readonly emails: string[];
  /** Row index by exact email (the last of exact duplicates, which only files without the
   *  panel's UNIQUE constraint can hold). */
  private readonly byEmail: Map<string, number>;
  /** Row index by lower-cased email, the fallback join; built on first use (exact emails
   *  almost always match). */
  private byLowerEmail: Map<string, number> | undefined;
  /** The numeric columns, indexed like `emails`. */
  private readonly columns: RowColumns;
  private size = 0;

  /** `like`: a table whose emails this one shares and whose columns it copies. */
  private constructor(capacity: number, like?: RowTable) {
    if (like) {
      this.emails = like.emails;
      this.byEmail = like.byEmail;
      this.byLowerEmail = like.byLowerEmail;
      this.size = like.size;
      const c = like.columns;
      this.columns = {
        id: c.id.slice(), inbound_id: c.inbound_id.slice(), enable: c.enable.slice(), up: c.up.slice(), down: c.down.slice(),
        expiry_time: c.expiry_time.slice(), total: c.total.slice(), reset: c.reset.slice(), all_time: c.all_time.slice(), last_online: c.last_online.slice(),
      };
    } else {
      this.emails = [];
      this.byEmail = new Map();
      this.columns = allocate(capacity);
    }
  }

  static empty(): RowTable {
    return new RowTable(0);
  }

  /**
   * Reads every row (see wholeColumns). NULL or text where a number belongs (a hand-edited
   * file) reads as a number; `enable` as 0 or 1.
   */
  static read(conn: Database.Database, columns: ReadonlySet<string>): RowTable {
    const lists = wholeColumns(conn, columns);
    const size = (lists[0] as unknown[]).length;
    const table = new RowTable(size);
    const c = table.columns;
    COLUMN_ORDER.forEach((name, k) => {
      if (name === "email") return;
      const list = lists[k] as unknown[];
      const column = c[name];
      if (name === "enable") for (let i = 0; i < size; i++) column[i] = enableOf(list[i]);
      else for (let i = 0; i < size; i++) column[i] = int(list[i]);
    });
    const emails = lists[COLUMN_ORDER.indexOf("email")] as unknown[];
    for (let i = 0; i < size; i++) table.putEmail(i, emails[i]);
    table.size = size;
    return table;
  }

  /** The rows with these IDs, one lookup each. */
  static readIds(conn: Database.Database, columns: ReadonlySet<string>, ids: number[]): RowTable {
    return RowTable.readWhere(conn, columns, "id", ids);
  }

  /** The rows whose email is exactly `email` (the panel's UNIQUE index makes it one), one lookup. */
  static readEmail(conn: Database.Database, columns: ReadonlySet<string>, email: string): RowTable {
    return RowTable.readWhere(conn, columns, "email", [email]);
  }

  /** The rows whose `column` holds one of `values`, one indexed lookup each. */
  private static readWhere(conn: Database.Database, columns: ReadonlySet<string>, column: "id" | "email", values: (number | string)[]): RowTable {
    const stmt = RowTable.select(conn, columns, `WHERE ${column} = ?`);
    const raws = values.flatMap((v) => stmt.all(v) as unknown[][]);
    const table = new RowTable(raws.length);
    for (const raw of raws) table.add(raw);
    return table;
  }

  private static select(conn: Database.Database, columns: ReadonlySet<string>, where: string): Database.Statement {
    return conn.prepare(`${trafficSelect(columns)} ${where}`).raw();
  }

  /** Appends a row as a scan gives it, its cells in COLUMN_ORDER (readWhere sizes the columns to the rows it read). */
  private add(r: unknown[]): void {
    const i = this.size++;
    COLUMN_ORDER.forEach((name, k) => {
      if (name === "email") this.putEmail(i, r[k]);
      else this.columns[name][i] = name === "enable" ? enableOf(r[k]) : int(r[k]);
    });
  }

  private putEmail(i: number, value: unknown): void {
    const email = typeof value === "string" ? value : str(value);
    this.emails[i] = email;
    this.byEmail.set(email, i);
  }

  /**
   * A copy with `fresh`'s values put in, each row matched by email and ID (the emails and
   * their index are shared: a table never changes once read); null when a row is not here.
   */
  withRows(fresh: RowTable): RowTable | null {
    const copy = new RowTable(0, this);
    for (let j = 0; j < fresh.size; j++) {
      const i = this.byEmail.get(fresh.emails[j] as string);
      if (i === undefined || this.columns.id[i] !== fresh.columns.id[j]) return null;
      for (const name of Object.keys(copy.columns) as NumberColumn[]) copy.columns[name][i] = fresh.columns[name][j] as number;
    }
    return copy;
  }

  get length(): number {
    return this.size;
  }

  /** Index of a JSON client's row: exact email first, as the panel joins, then any case; -1 for none. */
  indexOf(email: string): number {
    const exact = this.byEmail.get(email);
    if (exact !== undefined) return exact;
    this.byLowerEmail ??= this.lowerIndex();
    return this.byLowerEmail.get(email.toLowerCase()) ?? -1;
  }

  private lowerIndex(): Map<string, number> {
    const index = new Map<string, number>();
    this.emails.forEach((email, i) => {
      // Case-only duplicates exist in the wild: the first row wins, check reports the rest.
      const lower = email.toLowerCase();
      if (!index.has(lower)) index.set(lower, i);
    });
    return index;
  }

  /** Row `i`'s primary key. */
  id(i: number): number {
    return this.columns.id[i] as number;
  }

  /** Row `i`'s usage counters. */
  usage(i: number): { up: number; down: number } {
    return { up: this.columns.up[i] as number, down: this.columns.down[i] as number };
  }

  /** Reads row `i`'s state into `s`: the admin's switch as given (it lives in the JSON), the rest from the row. */
  readState(i: number, enabled: boolean, s: ClientState): void {
    const c = this.columns;
    s.enabled = enabled;
    s.active = c.enable[i] === 1;
    s.expiryTime = c.expiry_time[i] as number;
    s.totalBytes = c.total[i] as number;
    s.reset = c.reset[i] as number;
    s.up = c.up[i] as number;
    s.down = c.down[i] as number;
  }

  /** Row `i` as an object. */
  row(i: number): TrafficRow {
    const c = this.columns;
    const at = (column: Float64Array) => column[i] as number;
    return {
      id: at(c.id),
      inbound_id: at(c.inbound_id),
      enable: at(c.enable),
      email: this.emails[i] as string,
      up: at(c.up),
      down: at(c.down),
      expiry_time: at(c.expiry_time),
      total: at(c.total),
      reset: at(c.reset),
      all_time: at(c.all_time),
      last_online: at(c.last_online),
    };
  }

  /** A JSON client's row as a new object (see indexOf); undefined when it has none. */
  rowFor(email: string): TrafficRow | undefined {
    const i = this.indexOf(email);
    return i < 0 ? undefined : this.row(i);
  }

  rows(): TrafficRow[] {
    return Array.from({ length: this.size }, (_, i) => this.row(i));
  }

  /** Index of each row by its `id`. */
  byId(): Map<number, number> {
    const index = new Map<number, number>();
    for (let i = 0; i < this.size; i++) index.set(this.columns.id[i] as number, i);
    return index;
  }
}
