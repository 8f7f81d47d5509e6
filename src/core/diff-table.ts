// The before/after of every client an operation selected, in columns, kept for speed. A bulk
// job over 20 000 clients would otherwise keep ~100 000 small objects alive until it commits
// (each big number in them boxed on its own by V8), and copying those is most of the garbage
// collector's work; typed arrays hold the same in a few allocations, and are what the audit
// log stores (docs/audit-format.md). Measured when they replaced the objects, at 20 000
// clients: ~40 ms less garbage collection, and the audit entry ~55 ms instead of ~110 (~1 MB
// instead of 2.4 MB of JSON): together ~10 % of `xui-admin extend --all` (README,
// Performance). The columns stay inside this file: others ask for a diff's states, notes and
// extras by its index; ClientDiff objects are made when asked.
import {
  blankState,
  NOTE,
  NOTE_CODES,
  notesOf,
  type ClientDiff,
  type ClientState,
  type FieldChanges,
  type NoteCode,
  type OperationKind,
  type OpResult,
  type RemovedClient,
} from "./types.js";

export const STATE_FIELDS = ["enabled", "active", "expiryTime", "totalBytes", "reset", "up", "down"] as const satisfies readonly (keyof ClientState)[];
type StateField = (typeof STATE_FIELDS)[number];

/** What a created client's before-columns hold. */
const NO_STATE = blankState();

/** The first `n` entries of a column as bytes. */
const bytesOf = (c: Uint8Array | Uint16Array | Float64Array, n: number): Buffer => Buffer.from(c.buffer, c.byteOffset, n * c.BYTES_PER_ELEMENT);

/** Whether this machine keeps numbers big end first (typed arrays use the machine's order). */
const BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/**
 * A column's bytes as stored: little-endian on every machine, so that an audit log copied to
 * another machine reads the same. (Every machine 3x-ui runs on is little-endian: there this is
 * the column's own memory, no copy.)
 */
function storedBytes(c: Uint8Array | Uint16Array | Float64Array, n: number): Buffer {
  const own = bytesOf(c, n);
  if (!BIG_ENDIAN || c.BYTES_PER_ELEMENT === 1) return own;
  const copy = Buffer.from(own);
  return c.BYTES_PER_ELEMENT === 2 ? copy.swap16() : copy.swap64();
}

/**
 * First bytes of a stored table: tells it from the text formats of earlier versions. XDT2
 * adds the JSON clients' updated_at before and after (undo puts it back) and has two bytes a
 * notes mask; XDT1 lacks the stamps and has one byte a mask.
 */
const BYTES_MAGIC = Buffer.from("XDT2");
const BYTES_MAGIC_V1 = Buffer.from("XDT1");

/** What few diffs carry besides their columns: an edit's JSON fields, a deleted client. */
type Extra = Pick<ClientDiff, "fields" | "removed">;

/** A stamp column's value for "no such key" (and, in XDT1 tables, "not recorded"). */
const NO_STAMP = Number.NaN;
const stampValue = (v: number): number | null => (Number.isNaN(v) ? null : v);

class StateColumns {
  readonly enabled: Uint8Array;
  readonly active: Uint8Array;
  readonly expiryTime: Float64Array;
  readonly totalBytes: Float64Array;
  readonly reset: Float64Array;
  readonly up: Float64Array;
  readonly down: Float64Array;

  constructor(capacity: number) {
    this.enabled = new Uint8Array(capacity);
    this.active = new Uint8Array(capacity);
    this.expiryTime = new Float64Array(capacity);
    this.totalBytes = new Float64Array(capacity);
    this.reset = new Float64Array(capacity);
    this.up = new Float64Array(capacity);
    this.down = new Float64Array(capacity);
  }

  set(i: number, s: ClientState): void {
    this.enabled[i] = s.enabled ? 1 : 0;
    this.active[i] = s.active ? 1 : 0;
    this.expiryTime[i] = s.expiryTime;
    this.totalBytes[i] = s.totalBytes;
    this.reset[i] = s.reset;
    this.up[i] = s.up;
    this.down[i] = s.down;
  }

  get(i: number): ClientState {
    return {
      enabled: this.enabled[i] === 1,
      active: this.active[i] === 1,
      expiryTime: this.expiryTime[i] as number,
      totalBytes: this.totalBytes[i] as number,
      reset: this.reset[i] as number,
      up: this.up[i] as number,
      down: this.down[i] as number,
    };
  }
}

export class DiffTable {
  readonly emails: string[] = [];
  readonly inboundIds: number[] = [];
  private readonly before: StateColumns;
  private readonly after: StateColumns;
  /** 1 where the client was created (it has no before). */
  private readonly created: Uint8Array;
  /** Notes as bit masks (see NOTE); 8 bits a note in XDT1 tables. */
  private readonly notes: Uint16Array;
  /** 1 where Xray must restart to see the change. */
  private readonly restart: Uint8Array;
  /** The JSON client's updated_at before and after the write (NO_STAMP: none). */
  private readonly stampBefore: Float64Array;
  private readonly stampAfter: Float64Array;
  /** Extras by diff index: few diffs have any, so a map, not a column. */
  private readonly extras = new Map<number, Extra>();
  private size = 0;

  constructor(readonly capacity: number) {
    this.before = new StateColumns(capacity);
    this.after = new StateColumns(capacity);
    this.created = new Uint8Array(capacity);
    this.notes = new Uint16Array(capacity);
    this.restart = new Uint8Array(capacity);
    this.stampBefore = new Float64Array(capacity).fill(NO_STAMP);
    this.stampAfter = new Float64Array(capacity).fill(NO_STAMP);
  }

  static of(diffs: ClientDiff[], restart = false): DiffTable {
    const table = new DiffTable(diffs.length);
    for (const d of diffs) {
      table.set(table.size, d.email, d.inboundId, d.before, d.after, d.notes.reduce((mask, n) => mask | NOTE[n], 0), restart);
      if (d.updatedAt) table.setStamps(table.size, d.updatedAt.before, d.updatedAt.after);
      if (d.fields) table.setFields(table.size, d.fields);
      if (d.removed) table.setRemoved(table.size, d.removed);
      table.size++;
    }
    return table;
  }

  /** Diffs `from` to `to` as a table of their own (a committed unit, for the audit log). */
  slice(from: number, to = this.size): DiffTable {
    const n = Math.max(0, Math.min(to, this.size) - from);
    const table = new DiffTable(n);
    table.size = n;
    table.emails.push(...this.emails.slice(from, from + n));
    table.inboundIds.push(...this.inboundIds.slice(from, from + n));
    const copy = <T extends Uint8Array | Uint16Array | Float64Array>(to: T, src: T) => to.set(src.subarray(from, from + n));
    for (const f of STATE_FIELDS) {
      copy(table.before[f], this.before[f]);
      copy(table.after[f], this.after[f]);
    }
    for (const k of ["created", "notes", "restart", "stampBefore", "stampAfter"] as const) copy(table[k], this[k]);
    for (const [i, extra] of this.extras) if (i >= from && i < from + n) table.extras.set(i - from, extra);
    return table;
  }

  /** Records the JSON-only fields diff `i` changes. */
  setFields(i: number, fields: FieldChanges): void {
    this.extras.set(i, { ...this.extras.get(i), fields });
  }

  /** Records the client diff `i` deleted, as it was stored. */
  setRemoved(i: number, removed: RemovedClient): void {
    this.extras.set(i, { ...this.extras.get(i), removed });
  }

  /** The JSON-only fields diff `i` changes, if any. */
  fields(i: number): FieldChanges | undefined {
    return this.extras.get(i)?.fields;
  }

  /** The client diff `i` deleted, if recorded. */
  removed(i: number): RemovedClient | undefined {
    return this.extras.get(i)?.removed;
  }

  /** Records the JSON client's updated_at before and after diff `i` was written (null: none). */
  setStamps(i: number, before: number | null, after: number | null): void {
    this.stampBefore[i] = before ?? NO_STAMP;
    this.stampAfter[i] = after ?? NO_STAMP;
  }

  /** Diff `i`'s state before (a created client's: all zero) and after, as new objects. */
  stateBefore(i: number): ClientState {
    return this.before.get(i);
  }

  stateAfter(i: number): ClientState {
    return this.after.get(i);
  }

  get length(): number {
    return this.size;
  }

  /** Appends a diff, copying the states (callers reuse theirs); returns its index. */
  push(email: string, inboundId: number, before: ClientState | null, after: ClientState, notes: number, restart: boolean): number {
    if (this.size >= this.capacity) throw new RangeError(`DiffTable holds at most ${this.capacity} diffs`);
    this.set(this.size, email, inboundId, before, after, notes, restart);
    return this.size++;
  }

  /** Overwrites diff `i` (a plan re-made on fresh rows). */
  set(i: number, email: string, inboundId: number, before: ClientState | null, after: ClientState, notes: number, restart: boolean): void {
    this.emails[i] = email;
    this.inboundIds[i] = inboundId;
    this.created[i] = before ? 0 : 1;
    this.before.set(i, before ?? NO_STATE);
    this.after.set(i, after);
    this.notes[i] = notes;
    this.restart[i] = restart ? 1 : 0;
  }

  /** Drops the diffs from `length` on (a unit planned again after a conflict). */
  truncate(length: number): void {
    this.size = Math.min(this.size, length);
    this.emails.length = this.size;
    this.inboundIds.length = this.size;
    for (const i of this.extras.keys()) if (i >= this.size) this.extras.delete(i);
  }

  private isCreated(i: number): boolean {
    return this.created[i] === 1;
  }

  isChanged(i: number): boolean {
    return ((this.notes[i] as number) & NOTE["no-change"]) === 0;
  }

  isDeleted(i: number): boolean {
    return ((this.notes[i] as number) & NOTE.deleted) !== 0;
  }

  anyRestart(): boolean {
    return this.restart.subarray(0, this.size).includes(1);
  }

  notesMask(i: number): number {
    return this.notes[i] as number;
  }

  diff(i: number): ClientDiff {
    const diff: ClientDiff = {
      email: this.emails[i] as string,
      inboundId: this.inboundIds[i] as number,
      before: this.isCreated(i) ? null : this.before.get(i),
      after: this.after.get(i),
      notes: notesOf(this.notes[i] as number),
    };
    const before = this.stampBefore[i] as number;
    const after = this.stampAfter[i] as number;
    if (!Number.isNaN(before) || !Number.isNaN(after)) diff.updatedAt = { before: stampValue(before), after: stampValue(after) };
    const extra = this.extras.get(i);
    if (extra?.fields) diff.fields = extra.fields;
    if (extra?.removed) diff.removed = extra.removed;
    return diff;
  }

  /**
   * The table as bytes, for the audit log: a JSON header (emails, inbound IDs, the note codes
   * the masks' bits stand for, which after-columns follow), then the typed columns' own bytes
   * (little-endian, see storedBytes). After-columns equal
   * to their before-column are left out. No object per client, nothing to stringify per number.
   * The few extras (edited fields, deleted clients) go in the header as [index, extra] pairs;
   * tables without any have no such key, as tables written before extras existed.
   */
  toBytes(): Buffer {
    const n = this.size;
    const afterFields = STATE_FIELDS.filter((f) => !bytesOf(this.before[f], n).equals(bytesOf(this.after[f], n)));
    const extras = [...this.extras].filter(([i]) => i < n);
    const header = Buffer.from(
      JSON.stringify({
        n,
        emails: this.emails.slice(0, n),
        inboundIds: this.inboundIds.slice(0, n),
        noteCodes: NOTE_CODES,
        afterFields,
        ...(extras.length > 0 ? { extras } : {}),
      }),
    );
    const columns = [this.created, this.notes, ...STATE_FIELDS.map((f) => this.before[f]), ...afterFields.map((f) => this.after[f]), this.stampBefore, this.stampAfter];
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    return Buffer.concat([BYTES_MAGIC, length, header, ...columns.map((c) => storedBytes(c, n))]);
  }

  static fromBytes(bytes: Uint8Array): DiffTable {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const v1 = buf.subarray(0, 4).equals(BYTES_MAGIC_V1);
    if (!v1 && !buf.subarray(0, 4).equals(BYTES_MAGIC)) throw new Error("not a stored DiffTable");
    const headerEnd = 8 + buf.readUInt32LE(4);
    const header = JSON.parse(buf.toString("utf8", 8, headerEnd)) as {
      n: number;
      emails: string[];
      inboundIds: number[];
      noteCodes: string[];
      afterFields: StateField[];
      extras?: [number, Extra][];
    };
    const table = new DiffTable(header.n);
    table.size = header.n;
    for (const [i, extra] of header.extras ?? []) table.extras.set(i, extra);
    header.emails.forEach((email, i) => {
      table.emails[i] = email;
      table.inboundIds[i] = header.inboundIds[i] as number;
    });
    let offset = headerEnd;
    const fill = (c: Uint8Array | Uint16Array | Float64Array) => {
      const length = header.n * c.BYTES_PER_ELEMENT;
      const target = new Uint8Array(c.buffer, c.byteOffset, length);
      target.set(buf.subarray(offset, offset + length));
      // Stored little-endian (storedBytes): a big-endian machine turns each number around.
      if (BIG_ENDIAN && c.BYTES_PER_ELEMENT === 2) Buffer.from(target.buffer, target.byteOffset, length).swap16();
      if (BIG_ENDIAN && c.BYTES_PER_ELEMENT === 8) Buffer.from(target.buffer, target.byteOffset, length).swap64();
      offset += length;
    };
    fill(table.created);
    if (v1) {
      // One byte a note mask then.
      const narrow = new Uint8Array(header.n);
      fill(narrow);
      table.notes.set(narrow);
    } else fill(table.notes);
    for (const f of STATE_FIELDS) fill(table.before[f]);
    for (const f of STATE_FIELDS) {
      if (header.afterFields.includes(f)) fill(table.after[f]);
      else table.after[f].set(table.before[f]);
    }
    if (!v1) {
      fill(table.stampBefore);
      fill(table.stampAfter);
    }
    // Bits follow the codes the table was written with, whatever order NOTE_CODES has now.
    const bits = header.noteCodes.map((code) => NOTE[code as NoteCode] ?? 0);
    table.notes.forEach((mask, i) => (table.notes[i] = bits.reduce((out, bit, k) => (mask & (1 << k) ? out | bit : out), 0)));
    return table;
  }

  /** How many diffs (from `from` on) changed something (or nothing). */
  count(changed: boolean, from = 0): number {
    let n = 0;
    for (let i = from; i < this.size; i++) if (this.isChanged(i) === changed) n++;
    return n;
  }

  /** Indices of the changed diffs (or of the unchanged ones), in order. */
  indices(changed: boolean): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.isChanged(i) === changed) out.push(i);
    return out;
  }

  /** The changed (or unchanged) diffs as objects. */
  list(changed: boolean): ClientDiff[] {
    return this.indices(changed).map((i) => this.diff(i));
  }
}

/**
 * An operation's result over `diffs`. `changed` and `unchanged` are made on first use (a text
 * summary of 20 000 changes never needs them) and are what its JSON shows; `diffs` is not.
 */
export function newOpResult(operation: OperationKind, diffs: DiffTable, dryRun: boolean): OpResult {
  let changed: ClientDiff[] | undefined;
  let unchanged: ClientDiff[] | undefined;
  const result = {
    operation,
    get changed() {
      return (changed ??= diffs.list(true));
    },
    get unchanged() {
      return (unchanged ??= diffs.list(false));
    },
    needsApply: false,
    dryRun,
    transactions: 0,
    longestLockMs: 0,
  };
  return Object.defineProperty(result, "diffs", { value: diffs, enumerable: false }) as OpResult;
}
