// How the audit log stores per-client diffs. A bulk change over 20 000 clients would be
// ~6.5 MB as plain objects, and writing that cost more than the change itself; each diff is
// kept as [email, inboundId, before as a tuple (or null), the fields `after` changed (or the
// whole after-tuple for a creation), notes]: about a third of the size, and lossless.
import type { ClientDiff, ClientState } from "../service/types.js";

const FIELDS = ["enabled", "active", "expiryTime", "totalBytes", "reset", "up", "down"] as const satisfies readonly (keyof ClientState)[];

type Tuple = ClientState[keyof ClientState][];
type Encoded = [string, number, Tuple | null, Partial<ClientState> | Tuple, ClientDiff["notes"]];

const toTuple = (s: ClientState): Tuple => FIELDS.map((f) => s[f]);

function encodeOne(d: ClientDiff): Encoded {
  const before = d.before;
  if (!before) return [d.email, d.inboundId, null, toTuple(d.after), d.notes];
  const changes: Partial<Record<keyof ClientState, unknown>> = {};
  for (const f of FIELDS) if (d.after[f] !== before[f]) changes[f] = d.after[f];
  return [d.email, d.inboundId, toTuple(before), changes as Partial<ClientState>, d.notes];
}

function fromTuple(t: Tuple): ClientState {
  const state: Record<string, unknown> = {};
  FIELDS.forEach((f, i) => (state[f] = t[i]));
  return state as unknown as ClientState;
}

function decodeOne(e: Encoded): ClientDiff {
  const [email, inboundId, before, after, notes] = e;
  if (before === null) return { email, inboundId, before: null, after: fromTuple(after as Tuple), notes };
  const state = fromTuple(before);
  return { email, inboundId, before: state, after: { ...state, ...(after as Partial<ClientState>) }, notes };
}

export const encodeDiffs = (diffs: ClientDiff[]): string => JSON.stringify(diffs.map(encodeOne));

/** Reads both this format and the plain objects that entries written before it hold. */
export function decodeDiffs(text: string): ClientDiff[] {
  const stored = JSON.parse(text) as (Encoded | ClientDiff)[];
  return stored.map((d) => (Array.isArray(d) ? decodeOne(d) : d));
}
