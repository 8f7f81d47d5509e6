// How the audit log stores per-client diffs. A bulk change over 20 000 clients is ~6.5 MB as
// plain objects, and writing that (and syncing it to disk) cost more than the change itself.
// Diffs are stored as the DiffTable's own bytes (see DiffTable.toBytes; the format, the same on
// every machine and versioned, is docs/audit-format.md): ~1 MB for that change, made without an
// object per client, and lossless. Entries that earlier versions wrote (as text: plain objects,
// then tuples; then the first columnar version) still read.
import { DiffTable, STATE_FIELDS } from "../core/diff-table.js";
import type { ClientDiff, ClientState, NoteCode } from "../core/types.js";

export const encodeDiffs = (diffs: DiffTable): Buffer => diffs.toBytes();

// --- the earlier formats ----------------------------------------------------------------

/** [email, inboundId, before-tuple (or null), changed fields (or the after-tuple), notes]. */
type Tuple = ClientState[keyof ClientState][];
type Encoded = [string, number, Tuple | null, Partial<ClientState> | Tuple, NoteCode[]];

const fromTuple = (t: Tuple): ClientState => Object.fromEntries(STATE_FIELDS.map((f, i) => [f, t[i]])) as unknown as ClientState;

function decodeTuple(e: Encoded): ClientDiff {
  const [email, inboundId, before, after, notes] = e;
  if (before === null) return { email, inboundId, before: null, after: fromTuple(after as Tuple), notes };
  const state = fromTuple(before);
  return { email, inboundId, before: state, after: { ...state, ...(after as Partial<ClientState>) }, notes };
}

/** The changed clients' diffs of what encodeDiffs stored, or of the text (tuples or plain
 *  objects) earlier versions stored. */
export function decodeDiffs(stored: Uint8Array | string): ClientDiff[] {
  if (typeof stored !== "string") return DiffTable.fromBytes(stored).list(true);
  const list = JSON.parse(stored) as (Encoded | ClientDiff)[];
  return list.map((d) => (Array.isArray(d) ? decodeTuple(d) : d));
}
