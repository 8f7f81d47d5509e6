// A change to a few clients of a big inbound, written without serialising the whole inbound.
// When the stored settings text is exactly the panel's serialisation of what it holds (the
// panel's json.MarshalIndent, reproduced by formatSettings), the serialisation of the edited
// settings is the stored text with the changed clients' bytes replaced: every other byte would
// come out the same. At 8 000 clients in one inbound this turns a ~25 ms serialisation into a
// copy of the text (bench: "extend one (big inbound), warm").
import { formatSettings, parseSettings, type JsonObject } from "./panel-json.js";

/** Where each client of `settings.clients` sits in the text: [start, end) of its object. */
export interface ClientSpans {
  starts: Int32Array;
  ends: Int32Array;
}

const OPEN = '\n  "clients": [\n';
/** A client object at the depth of the `clients` array, in MarshalIndent's layout. */
const INDENT = "    ";
const ITEM_START = `${INDENT}{`;
const ITEM_END = "\n    }";
const EMPTY = `${INDENT}{}`;
/** What follows a client: the next one, or the end of the array. */
const NEXT = ",\n";
const LAST = "\n  ]";

/**
 * The span of each client in `text`, or null when the text is not laid out as MarshalIndent
 * lays out an object whose `clients` array holds objects only (and, given `count`, that many).
 */
export function clientSpans(text: string, count?: number): ClientSpans | null {
  const open = text.indexOf(OPEN);
  if (open < 0) return null;
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = open + OPEN.length;
  for (;;) {
    if (!text.startsWith(ITEM_START, pos)) return null;
    let end: number;
    if (text.startsWith(EMPTY, pos)) {
      end = pos + EMPTY.length;
    } else {
      // Deeper objects close with more indentation, and JSON strings hold no raw newline: the
      // first "\n    }" after the start closes this client.
      const close = text.indexOf(ITEM_END, pos);
      if (close < 0) return null;
      end = close + ITEM_END.length;
    }
    starts.push(pos + INDENT.length);
    ends.push(end);
    if (text.startsWith(LAST, end)) break;
    if (!text.startsWith(NEXT, end)) return null;
    pos = end + NEXT.length;
  }
  if (count !== undefined && starts.length !== count) return null;
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/**
 * Whether `text`, whose clients sit at `spans`, is exactly the panel's serialisation of what it
 * holds: each client serialises to its own bytes, and the rest (with one stand-in client) to
 * the rest. Checked a client at a time, so that no parse of the whole inbound is alive at once
 * (a long-running process's peak memory; see SnapshotReader's compact option).
 */
export function isCanonicalLayout(text: string, spans: ClientSpans): boolean {
  const n = spans.starts.length;
  const first = spans.starts[0] as number;
  const last = spans.ends[n - 1] as number;
  const skeleton = `${text.slice(0, first)}0${text.slice(last)}`;
  try {
    if (formatSettings(parseSettings(skeleton)) !== skeleton) return false;
    for (let k = 0; k < n; k++) {
      const item = text.slice(spans.starts[k], spans.ends[k]);
      if (clientText(parseSettings(item)) !== item) return false;
    }
  } catch {
    return false;
  }
  return true;
}

/** One client as MarshalIndent writes it inside `clients` (4 spaces deep). */
const clientText = (client: JsonObject): string => formatSettings(client).replaceAll("\n", "\n    ");

/**
 * `text` with the clients at the given positions replaced (positions ascending), and the spans
 * of the result. `text` must be the canonical serialisation its `spans` were taken from.
 */
export function spliceClients(text: string, spans: ClientSpans, replaced: ReadonlyArray<readonly [number, JsonObject]>): { text: string; spans: ClientSpans } {
  const starts = spans.starts.slice();
  const ends = spans.ends.slice();
  const parts: string[] = [];
  let from = 0;
  let shift = 0;
  let previous = -1;
  for (const [k, client] of replaced) {
    if (k <= previous || k >= starts.length) throw new RangeError(`client position ${k} out of order or range`);
    // Clients between the previous replacement and this one move by the shift so far.
    for (let j = previous + 1; j < k; j++) {
      (starts[j] as number) += shift;
      (ends[j] as number) += shift;
    }
    const start = spans.starts[k] as number;
    const end = spans.ends[k] as number;
    const item = clientText(client);
    parts.push(text.slice(from, start), item);
    from = end;
    starts[k] = start + shift;
    shift += item.length - (end - start);
    ends[k] = starts[k] + item.length;
    previous = k;
  }
  for (let j = previous + 1; j < starts.length; j++) {
    (starts[j] as number) += shift;
    (ends[j] as number) += shift;
  }
  parts.push(text.slice(from));
  return { text: parts.join(""), spans: { starts, ends } };
}
