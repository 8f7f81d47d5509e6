// Turns what a person typed (emails, client keys, an inbound, "all") into the clients an
// operation acts on. Any reference that matches nothing, or more than one client, fails the
// whole operation before anything is written, naming every such reference.
import type { JsonObject } from "../xui/panel-json.js";
import type { RowTable } from "../xui/row-table.js";
import { placesNamed, str, type InboundSnapshot, type Place, type Snapshot } from "../xui/snapshot.js";
import { XuiError } from "../core/errors.js";
import type { Selector } from "../core/types.js";

export interface Target {
  email: string;
  json: JsonObject;
  inbound: InboundSnapshot;
  /** Its position in the inbound's `settings.clients`. */
  at: number;
  /** The client's row: index `row` of `rows` (-1 until selectTargets looks it up). */
  rows: RowTable;
  row: number;
}

/** Splits free text into references: spaces, commas, semicolons and new lines separate them. */
export function splitRefs(text: string): string[] {
  return text
    .split(/[\s,;]+/u)
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
}

/** Every client of these inbounds as a Target whose row is not looked up yet (-1). */
function candidates(snapshot: Snapshot, inbounds: Iterable<InboundSnapshot> = snapshot.inbounds.values()): Target[] {
  const out: Target[] = [];
  for (const inbound of inbounds) {
    // From the inbound's parse, which the bulk change serialises next.
    const list = inbound.settings?.clients;
    if (!Array.isArray(list)) continue;
    list.forEach((json, at) => {
      if (json !== null && typeof json === "object" && !Array.isArray(json)) out.push({ email: str(json.email), json, inbound, at, rows: snapshot.rowTable, row: -1 });
    });
  }
  return out;
}

function onePerEmail(targets: Target[]): Target[] {
  const seen = new Set<string>();
  return targets.filter((t) => !seen.has(t.email) && (seen.add(t.email), true));
}

export interface Resolution {
  found: Target[];
  unknown: string[];
  /** Reference -> the emails it matched, for references that matched several clients. */
  ambiguous: Map<string, string[]>;
}

/** The client at `place`, as a target whose row is not looked up yet (its JSON alone parsed). */
export function targetAt(snapshot: Snapshot, place: Place): Target {
  const inbound = snapshot.inbounds.get(place.inboundId) as InboundSnapshot;
  const json = inbound.client(place.at) as JsonObject;
  return { email: str(json.email), json, inbound, at: place.at, rows: snapshot.rowTable, row: -1 };
}

export function resolveRefs(snapshot: Snapshot, refs: string[]): Resolution {
  const found: Target[] = [];
  const seen = new Set<string>();
  const unknown: string[] = [];
  const ambiguous = new Map<string, string[]>();
  for (const ref of refs) {
    const places = placesNamed(snapshot.places, ref);
    const hits = places?.map((p) => targetAt(snapshot, p));
    // On 3.x one client sits in each inbound it is attached to: its entries are one client.
    const matches = snapshot.multiInbound && hits ? onePerEmail(hits) : hits;
    if (!matches) unknown.push(ref);
    else if (matches.length > 1) ambiguous.set(ref, matches.map((m) => `${m.email} (inbound ${m.inbound.id})`));
    else {
      const match = matches[0] as Target;
      const key = `${match.inbound.id}\u0000${match.email}`;
      if (!seen.has(key)) {
        seen.add(key);
        found.push(match);
      }
    }
  }
  return { found, unknown, ambiguous };
}

export function selectTargets(snapshot: Snapshot, selector: Selector): Target[] {
  let inbounds: Iterable<InboundSnapshot> = snapshot.inbounds.values();
  if ("refs" in selector) {
    return withRows(snapshot, chooseByRefs(snapshot, selector.refs));
  } else if ("inboundId" in selector) {
    const inbound = snapshot.inbounds.get(selector.inboundId);
    if (!inbound) {
      throw new XuiError("unknown-inbound", `unknown inbound: ${selector.inboundId}`, [String(selector.inboundId)]);
    }
    inbounds = [inbound];
  }
  return withRows(snapshot, candidates(snapshot, inbounds));
}

/** Looks up each target's client_traffics row, in place; a client without one fails the whole selection. */
function withRows(snapshot: Snapshot, chosen: Target[]): Target[] {
  const missing: string[] = [];
  for (const t of chosen) {
    t.row = snapshot.rowTable.indexOf(t.email);
    if (t.row < 0) missing.push(t.email);
  }
  if (missing.length > 0) {
    throw new XuiError("no-traffic-row", `no client_traffics row for ${missing.join(", ")}: run \`xui-admin sync\` first`, missing);
  }
  return chosen;
}

/** The targets `given` names; any unknown or ambiguous reference fails the whole selection. */
export function chooseByRefs(snapshot: Snapshot, given: string[]): Target[] {
  const refs = given.map((r) => r.trim()).filter((r) => r.length > 0);
  if (refs.length === 0) throw new XuiError("bad-input", "no client given: name at least one email or key", ["refs"], undefined, { kind: "no-client" });
  const { found, unknown, ambiguous } = resolveRefs(snapshot, refs);
  refuseUnresolved(unknown, ambiguous);
  return found;
}

/** Fails a selection, naming each reference, when any matched nothing or several clients. */
export function refuseUnresolved(unknown: string[], ambiguous: ReadonlyMap<string, string[]>): void {
  if (unknown.length > 0) {
    throw new XuiError("unknown-ref", `unknown client${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`, unknown);
  }
  if (ambiguous.size > 0) {
    const parts = [...ambiguous].map(([ref, emails]) => `${ref} matches ${emails.join(", ")}`);
    throw new XuiError("ambiguous-ref", `ambiguous reference: ${parts.join("; ")}; use the email`, [...ambiguous.keys()], undefined, { kind: "ambiguous", matches: [...ambiguous] });
  }
}
