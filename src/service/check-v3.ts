// The consistency check of a 3x-ui 3.x file. The panel keeps each client in three places and
// writes all of them on every change: the inbound's settings.clients (JSON, what its code
// edits first), the `clients` row with its client_inbounds links (what Xray's config and the
// subscriptions are built from) and the client_traffics row (what enforcement and auto-renew
// read). This lists where they disagree, matched by exact email as the panel matches them.
//
// Not drift, because the panel itself leaves them so (xui3-reference §2.3, §3): the traffic
// row's inbound_id (the last inbound that touched it), `clients.flow` (the last one synced; the
// per-inbound flow is the link's), credentials of other protocols kept on the record,
// updated_at, and client_traffics.enable, which enforcement clears and periodic resets set
// again on their own (a row at 0 under an enabled client within its limits is a note).
import type { JsonObject, JsonValue } from "../xui/panel-json.js";
import type { XuiDb } from "../xui/database.js";
import type { Schema } from "../xui/schema.js";
import { str } from "../xui/values.js";
import { readV3Tables, type V3ClientRecord, type V3Link, type V3Tables } from "../xui/v3/tables.js";
import { typeFindings, type CheckReport, type Finding } from "./check.js";
import { isExhausted, isExpired } from "./operations.js";

/** JSON key -> `clients` field holding the same number; an absent key is Go's zero. */
const NUMBER_FIELDS = [
  ["expiryTime", "expiryTime", "expiry_time"],
  ["totalGB", "totalGB", "total_gb"],
  ["limitIp", "limitIp", "limit_ip"],
  ["tgId", "tgId", "tg_id"],
  ["reset", "reset", "reset"],
] as const;

/** The same for text; the panel overwrites these from the JSON on every sync, empty or not. */
const TEXT_FIELDS = [
  ["subId", "subId", "sub_id"],
  ["comment", "comment", "comment"],
] as const;

/** Credentials the panel copies to the record only when non-empty: compared only then. */
const CREDENTIALS = [
  ["id", "uuid"],
  ["password", "password"],
  ["auth", "auth"],
] as const;

/** `clients` field -> client_traffics field (with both columns), kept from the same client on every write. */
const TRAFFIC_FIELDS = [
  ["totalGB", "total", "total_gb", "total"],
  ["expiryTime", "expiryTime", "expiry_time", "expiry_time"],
  ["reset", "reset", "reset", "reset"],
] as const;

const isInt = (v: JsonValue | undefined): boolean => typeof v === "number" && Number.isSafeInteger(v);
const show = (v: JsonValue | undefined): string => (v === undefined ? "absent" : JSON.stringify(v));

/** Disagreements between one JSON client and its `clients` row (and its link to this inbound). */
function compareRecord(json: JsonObject, record: V3ClientRecord, inboundId: number, link: V3Link | undefined): Finding[] {
  const email = record.email;
  const out: Finding[] = [];
  const where = `${email} (inbound ${inboundId})`;
  const differ = (field: string, value: JsonValue | undefined, column: string, stored: number | string) =>
    out.push({
      kind: "client-mismatch",
      email,
      inboundId,
      field,
      json: value ?? null,
      record: stored,
      message: `${where}: ${field} is ${show(value)} in settings, clients.${column} is ${JSON.stringify(stored)}`,
    });
  // Go decodes an absent `enable` as false; a value of another type is a bad-type finding.
  if (json.enable === undefined || typeof json.enable === "boolean") {
    if (Number(json.enable === true) !== record.enable) differ("enable", json.enable, "enable", record.enable);
  }
  for (const [key, field, column] of NUMBER_FIELDS) {
    const value = json[key];
    if (value !== undefined && !isInt(value)) continue; // reported as bad-type
    if ((value ?? 0) !== record[field]) differ(key, value, column, record[field]);
  }
  for (const [key, field, column] of TEXT_FIELDS) {
    if (str(json[key]) !== record[field]) differ(key, json[key], column, record[field]);
  }
  if (record.group !== null && str(json.group) !== "" && str(json.group) !== record.group) differ("group", json.group, "group_name", record.group);
  for (const [key, field] of CREDENTIALS) {
    // Keys are secrets: named, never shown.
    const value = str(json[key]);
    if (value !== "" && value !== record[field]) {
      out.push({ kind: "client-mismatch", email, inboundId, field: key, message: `${where}: ${key} in settings differs from clients.${field}` });
    }
  }
  if (link && str(json.flow) !== link.flowOverride) {
    out.push({
      kind: "client-mismatch",
      email,
      inboundId,
      field: "flow",
      json: json.flow ?? null,
      row: link.flowOverride,
      message: `${where}: flow is ${show(json.flow)} in settings, client_inbounds.flow_override is ${JSON.stringify(link.flowOverride)}`,
    });
  }
  return out;
}

export function checkV3(tables: V3Tables, schema: Schema, now: number): CheckReport {
  const findings: Finding[] = [];
  const notes: Finding[] = [];
  const inboundById = new Map(tables.inbounds.map((i) => [i.id, i]));
  const recordByEmail = new Map<string, V3ClientRecord>();
  const recordsByLower = new Map<string, V3ClientRecord>();
  for (const record of tables.clients) {
    const lower = record.email.toLowerCase();
    const earlier = recordsByLower.get(lower);
    if (earlier) {
      findings.push({ kind: "duplicate-email", email: record.email, message: `clients row ${record.id}: ${record.email} duplicates ${earlier.email} but for case` });
    } else {
      recordsByLower.set(lower, record);
    }
    recordByEmail.set(record.email, record);
  }
  const linkOf = new Map(tables.links.map((l) => [`${l.clientId}:${l.inboundId}`, l]));
  /** Every email some inbound's JSON lists; and for those with a `clients` row, which inbounds. */
  const inJson = new Set<string>();
  const holders = new Map<string, Set<number>>();

  for (const inbound of tables.inbounds) {
    if (inbound.settingsError !== undefined) {
      findings.push({ kind: "bad-settings", inboundId: inbound.id, message: `inbound ${inbound.id} (${inbound.remark}): settings do not parse: ${inbound.settingsError}` });
      continue;
    }
    const seen = new Set<string>();
    for (const json of inbound.clients ?? []) {
      // The panel trims emails and skips empty ones: such a client is in no table at all.
      const email = str(json.email).trim();
      if (email === "") {
        findings.push({ kind: "bad-type", inboundId: inbound.id, field: "email", json: json.email ?? null, message: `inbound ${inbound.id}: a client without an email, which the panel leaves out of its tables` });
        continue;
      }
      if (seen.has(email.toLowerCase())) {
        findings.push({ kind: "duplicate-email", email, inboundId: inbound.id, message: `${email} (inbound ${inbound.id}) is listed twice in that inbound's settings (the panel keeps the first at its next start)` });
        continue;
      }
      seen.add(email.toLowerCase());
      inJson.add(email);
      findings.push(...typeFindings(email, inbound.id, json));
      const record = recordByEmail.get(email);
      if (!record) {
        const other = recordsByLower.get(email.toLowerCase());
        const hint = other ? ` (clients has ${JSON.stringify(other.email)}, which differs in case)` : "";
        findings.push({ kind: "missing-client", email, inboundId: inbound.id, message: `${email} (inbound ${inbound.id}): no clients row${hint}: Xray and subscriptions leave it out` });
        continue;
      }
      let held = holders.get(email);
      if (!held) holders.set(email, (held = new Set()));
      held.add(inbound.id);
      const link = linkOf.get(`${record.id}:${inbound.id}`);
      if (!link) {
        findings.push({ kind: "missing-link", email, inboundId: inbound.id, message: `${email} (inbound ${inbound.id}): no client_inbounds link: Xray and subscriptions leave it out of this inbound` });
      }
      findings.push(...compareRecord(json, record, inbound.id, link));
    }
  }

  const recordById = new Map(tables.clients.map((r) => [r.id, r]));
  const linked = new Set<number>();
  for (const link of tables.links) {
    const record = recordById.get(link.clientId);
    const inbound = inboundById.get(link.inboundId);
    linked.add(link.clientId);
    if (!record) {
      findings.push({ kind: "stale-link", inboundId: link.inboundId, message: `client_inbounds links client id ${link.clientId}, which has no clients row, to inbound ${link.inboundId}` });
    } else if (!inbound) {
      findings.push({ kind: "stale-link", email: record.email, inboundId: link.inboundId, message: `${record.email}: linked to deleted inbound ${link.inboundId}` });
    } else if (inbound.settingsError === undefined && !holders.get(record.email)?.has(inbound.id)) {
      findings.push({ kind: "stale-link", email: record.email, inboundId: inbound.id, message: `${record.email}: linked to inbound ${inbound.id}, whose settings do not list it: Xray serves a client the panel does not show there` });
    }
  }

  const trafficByEmail = new Map(tables.traffic.map((t) => [t.email, t]));
  for (const record of tables.clients) {
    const email = record.email;
    if (!linked.has(record.id) && !holders.has(email)) {
      findings.push({ kind: "orphan-client", email, message: `${email}: a clients row in no inbound (the panel's Clients → "Delete unattached clients" removes it)` });
    }
    const row = trafficByEmail.get(email);
    if (!row) {
      findings.push({ kind: "missing-row", email, message: `${email}: no client_traffics row: its traffic is not counted, nor its limits enforced` });
      continue;
    }
    for (const [field, rowField, column, rowColumn] of TRAFFIC_FIELDS) {
      if (row[rowField] === record[field]) continue;
      findings.push({
        kind: "traffic-mismatch",
        email,
        field: rowColumn,
        record: record[field],
        row: row[rowField],
        message: `${email}: clients.${column} is ${record[field]}, client_traffics.${rowColumn} is ${row[rowField]}`,
      });
    }
    const state = { expiryTime: row.expiryTime, totalBytes: row.total, up: row.up, down: row.down };
    if (record.enable === 1 && row.enable === 0 && !isExpired(state, now) && !isExhausted(state)) {
      notes.push({ kind: "flag-note", email, message: `${email}: switched off in client_traffics (Xray leaves it out) but enabled and within its limit and dates; the panel's reset or an edit re-enables it` });
    }
  }
  for (const row of tables.traffic) {
    if (!recordByEmail.has(row.email) && !inJson.has(row.email)) {
      findings.push({ kind: "orphan-row", email: row.email, inboundId: row.inboundId, message: `${row.email}: client_traffics row without a client (x-ui migrate deletes it)` });
    }
  }
  return { family: schema.family, readOnlyReason: schema.readOnlyReason, inbounds: tables.inbounds.length, clients: tables.clients.length, rows: tables.traffic.length, findings, notes };
}

/** Reads the three places in one read transaction and checks them. */
export function checkV3File(db: XuiDb, now: number): CheckReport {
  return checkV3(readV3Tables(db), db.schema, now);
}
