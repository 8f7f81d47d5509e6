// The consistency check: everything on which client_traffics and inbounds.settings disagree,
// and every value the panel would choke on (3x-ui 3.x files: check-v3.ts). Pure: reads a snapshot, never writes, never throws
// on a malformed file (a broken inbound is one finding, not a crash).
import type { JsonValue } from "../xui/panel-json.js";
import { num, rowOf, str, type Snapshot, type TrafficRow } from "../xui/snapshot.js";
import type { Schema } from "../xui/schema.js";
import { isExhausted, isExpired } from "./operations.js";

export type FindingKind =
  | "bad-settings" // an inbound's settings do not parse
  | "missing-row" // a JSON client without a client_traffics row
  | "orphan-row" // a row without a JSON client
  | "wrong-inbound" // a row whose inbound_id is not the inbound holding the client
  | "mismatch" // expiry / total / enable / reset differ between the two places
  | "duplicate-email" // emails equal but for case
  | "bad-type" // a value typed in a way the panel's Go code does not expect
  | "flag-note" // row at 0 under JSON true while the client is valid: a note, not drift
  // 3x-ui 3.x only (check-v3.ts): the `clients` tables as the third place
  | "missing-client" // a JSON client without a `clients` row
  | "missing-link" // a JSON client whose `clients` row has no client_inbounds link to that inbound
  | "stale-link" // a client_inbounds link without the client in that inbound's JSON
  | "orphan-client" // a `clients` row in no inbound at all
  | "client-mismatch" // a JSON client and its `clients` row (or link) differ in a field
  | "traffic-mismatch"; // a `clients` row and its client_traffics row differ in a field

export interface Finding {
  kind: FindingKind;
  message: string;
  email?: string;
  inboundId?: number;
  field?: string;
  json?: JsonValue;
  /** The client_traffics value (3.x: client_inbounds.flow_override for `flow`). */
  row?: number | string;
  /** 3.x: the `clients` row's value. */
  record?: number | string;
}

export interface CheckReport {
  family: Schema["family"];
  readOnlyReason: string | null;
  inbounds: number;
  clients: number;
  rows: number;
  /** Drift: what sync would fix or report. */
  findings: Finding[];
  /** Normal states worth knowing about. */
  notes: Finding[];
  /** Several servers: those that could not be read (unreachable since start), and why; the rest were checked. */
  unchecked?: { server: string; error: string }[];
}

/** The fields both places hold, JSON key -> row column. */
export const PAIRED_FIELDS = [
  ["expiryTime", "expiry_time"],
  ["totalGB", "total"],
  ["reset", "reset"],
] as const;

const INTEGER_FIELDS = ["expiryTime", "totalGB", "limitIp", "reset", "created_at", "updated_at"] as const;

const isInt = (v: JsonValue | undefined): boolean => typeof v === "number" && Number.isSafeInteger(v);

export function typeFindings(email: string, inboundId: number, json: Record<string, JsonValue>): Finding[] {
  const out: Finding[] = [];
  const bad = (field: string, why: string) =>
    out.push({ kind: "bad-type", email, inboundId, field, json: json[field] ?? null, message: `${email}: ${field} ${why}` });
  if (typeof json.email !== "string") bad("email", "is not a string");
  for (const field of INTEGER_FIELDS) {
    if (field in json && !isInt(json[field])) bad(field, `is ${JSON.stringify(json[field])}, not an integer`);
  }
  if ("tgId" in json && !isInt(json.tgId)) bad("tgId", `is ${JSON.stringify(json.tgId)}, not an integer`);
  if ("enable" in json && typeof json.enable !== "boolean") bad("enable", `is ${JSON.stringify(json.enable)}, not a boolean`);
  return out;
}

export function check(snapshot: Snapshot, schema: Schema, now: number): CheckReport {
  const findings: Finding[] = [];
  const notes: Finding[] = [];
  const columns = schema.trafficColumns;
  const seenEmails = new Map<string, string>();
  const claimed = new Set<TrafficRow>();
  let clients = 0;
  if (schema.family === "unknown") {
    // Without client_traffics there is nothing to pair: the refusal reason is the report.
    for (const inbound of snapshot.inbounds.values()) clients += inbound.clients.length;
    return { family: schema.family, readOnlyReason: schema.readOnlyReason, inbounds: snapshot.inbounds.size, clients, rows: 0, findings, notes };
  }

  for (const inbound of snapshot.inbounds.values()) {
    if (inbound.settingsError !== undefined) {
      findings.push({
        kind: "bad-settings",
        inboundId: inbound.id,
        message: `inbound ${inbound.id} (${inbound.remark}): settings do not parse: ${inbound.settingsError}`,
      });
    }
    for (const json of inbound.clients) {
      clients++;
      const email = str(json.email);
      const lower = email.toLowerCase();
      const earlier = seenEmails.get(lower);
      if (earlier !== undefined) {
        findings.push({
          kind: "duplicate-email",
          email,
          inboundId: inbound.id,
          message: `${email} (inbound ${inbound.id}) duplicates ${earlier}`,
        });
        continue;
      }
      seenEmails.set(lower, `${email} (inbound ${inbound.id})`);
      findings.push(...typeFindings(email, inbound.id, json));
      const row = rowOf(snapshot, email);
      if (!row) {
        findings.push({ kind: "missing-row", email, inboundId: inbound.id, message: `${email}: no client_traffics row` });
        continue;
      }
      claimed.add(row);
      if (row.inbound_id !== inbound.id) {
        findings.push({
          kind: "wrong-inbound",
          email,
          inboundId: inbound.id,
          row: row.inbound_id,
          message: `${email}: row points at inbound ${row.inbound_id}, the client is in inbound ${inbound.id}`,
        });
      }
      for (const [key, column] of PAIRED_FIELDS) {
        if (!columns.has(column)) continue;
        if (!(key in json) && row[column] === 0) continue; // absent reads as 0 in the panel
        // A value of the wrong type but the same number ("" for 0) is bad-type's finding alone.
        if (num(json[key]) !== row[column]) {
          findings.push({
            kind: "mismatch",
            email,
            inboundId: inbound.id,
            field: key,
            json: json[key] ?? null,
            row: row[column],
            message: `${email}: ${key} is ${JSON.stringify(json[key] ?? null)} in settings, ${column} is ${row[column]}`,
          });
        }
      }
      const enabled = json.enable !== false;
      if (!enabled && row.enable === 1) {
        findings.push({
          kind: "mismatch",
          email,
          inboundId: inbound.id,
          field: "enable",
          json: false,
          row: 1,
          message: `${email}: blocked in settings but enabled in client_traffics`,
        });
      } else if (enabled && row.enable === 0) {
        const state = { expiryTime: row.expiry_time, totalBytes: row.total, up: row.up, down: row.down };
        if (!isExpired(state, now) && !isExhausted(state)) {
          notes.push({
            kind: "flag-note",
            email,
            inboundId: inbound.id,
            message: `${email}: disabled by the panel but within its limit and dates again; any extend, limit or reset re-enables it`,
          });
        }
      }
    }
  }
  const seenRows = new Map<string, TrafficRow>();
  for (const row of snapshot.allRows) {
    const lower = row.email.toLowerCase();
    const first = seenRows.get(lower);
    if (first) {
      findings.push({
        kind: "duplicate-email",
        email: row.email,
        message: `client_traffics row ${row.id}: ${row.email} duplicates row ${first.id}'s email ${first.email} but for case`,
      });
      continue;
    }
    seenRows.set(lower, row);
    if (!claimed.has(row)) {
      const where = snapshot.inbounds.has(row.inbound_id) ? `inbound ${row.inbound_id}` : `deleted inbound ${row.inbound_id}`;
      findings.push({
        kind: "orphan-row",
        email: row.email,
        inboundId: row.inbound_id,
        message: `${row.email}: client_traffics row (${where}) without a client in any inbound's settings`,
      });
    }
  }
  return {
    family: schema.family,
    readOnlyReason: schema.readOnlyReason,
    inbounds: snapshot.inbounds.size,
    clients,
    rows: snapshot.allRows.length,
    findings,
    notes,
  };
}
