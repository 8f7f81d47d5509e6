// How the audit log stores per-client diffs. A bulk change over 20 000 clients is ~6.5 MB as
// plain objects, and writing that (and syncing it to disk) cost more than the change itself.
// Diffs are stored in columns (every email, then every before-expiry, ...; after-values only
// for the fields some diff changed), deflated: ~0.5 MB for that change, built without an
// object per client, and lossless. Entries of the two earlier formats still read.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { ClientDiff, ClientState, NoteCode } from "../service/types.js";

const FIELDS = ["enabled", "active", "expiryTime", "totalBytes", "reset", "up", "down"] as const satisfies readonly (keyof ClientState)[];
type Field = (typeof FIELDS)[number];
type Value = ClientState[Field];

interface Columns {
  emails: string[];
  inboundIds: number[];
  /** Per field, each diff's value before; null for a client the change created. */
  before: Record<Field, (Value | null)[]>;
  /** Per field some diff changed, each diff's value after; other fields stayed as before. */
  after: Partial<Record<Field, Value[]>>;
  notes: NoteCode[][];
}

/** A state's fields in FIELDS order: seven monomorphic reads (keyed access by field name
 *  over 20 000 diffs is the slow kind). */
const toTuple = (s: ClientState): Value[] => [s.enabled, s.active, s.expiryTime, s.totalBytes, s.reset, s.up, s.down];

function toColumns(diffs: ClientDiff[]): Columns {
  const before = FIELDS.map((): (Value | null)[] => new Array<Value | null>(diffs.length));
  const after = FIELDS.map((): Value[] => new Array<Value>(diffs.length));
  const changed = FIELDS.map(() => false);
  diffs.forEach((d, i) => {
    const b = d.before ? toTuple(d.before) : null;
    const a = toTuple(d.after);
    for (let k = 0; k < FIELDS.length; k++) {
      (before[k] as (Value | null)[])[i] = b ? (b[k] as Value) : null;
      (after[k] as Value[])[i] = a[k] as Value;
      if (!b || a[k] !== b[k]) changed[k] = true;
    }
  });
  return {
    emails: diffs.map((d) => d.email),
    inboundIds: diffs.map((d) => d.inboundId),
    before: Object.fromEntries(FIELDS.map((f, k) => [f, before[k]])) as Columns["before"],
    after: Object.fromEntries(FIELDS.flatMap((f, k) => (changed[k] ? [[f, after[k]]] : []))) as Columns["after"],
    notes: diffs.map((d) => d.notes),
  };
}

function fromColumns(c: Columns): ClientDiff[] {
  const at = (i: number, column: (f: Field) => (Value | null)[]) =>
    Object.fromEntries(FIELDS.map((f) => [f, column(f)[i]])) as unknown as ClientState;
  return c.emails.map((email, i) => ({
    email,
    inboundId: c.inboundIds[i] as number,
    before: c.before.enabled[i] === null ? null : at(i, (f) => c.before[f]),
    after: at(i, (f) => c.after[f] ?? c.before[f]),
    notes: c.notes[i] as NoteCode[],
  }));
}

export const encodeDiffs = (diffs: ClientDiff[]): Buffer => deflateRawSync(JSON.stringify(toColumns(diffs)), { level: 1 });

// --- the earlier formats ----------------------------------------------------------------

/** [email, inboundId, before-tuple (or null), changed fields (or the after-tuple), notes]. */
type Tuple = Value[];
type Encoded = [string, number, Tuple | null, Partial<ClientState> | Tuple, NoteCode[]];

const fromTuple = (t: Tuple): ClientState => Object.fromEntries(FIELDS.map((f, i) => [f, t[i]])) as unknown as ClientState;

function decodeTuple(e: Encoded): ClientDiff {
  const [email, inboundId, before, after, notes] = e;
  if (before === null) return { email, inboundId, before: null, after: fromTuple(after as Tuple), notes };
  const state = fromTuple(before);
  return { email, inboundId, before: state, after: { ...state, ...(after as Partial<ClientState>) }, notes };
}

/** Reads what encodeDiffs stored, and the text (tuples or plain objects) earlier versions did. */
export function decodeDiffs(stored: Uint8Array | string): ClientDiff[] {
  if (typeof stored !== "string") return fromColumns(JSON.parse(inflateRawSync(stored).toString("utf8")) as Columns);
  const list = JSON.parse(stored) as (Encoded | ClientDiff)[];
  return list.map((d) => (Array.isArray(d) ? decodeTuple(d) : d));
}
