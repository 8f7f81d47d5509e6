// Repairs what check finds, the seed's sync_client_expiry_to_json.py done safely:
// client_traffics wins for expiry, total and reset (or settings, with from = "json"), missing
// rows are added, wrongly typed values are coerced to what the panel writes, orphan rows are
// deleted only when asked. `enable` is never turned on: a JSON block clears the row, and a row
// at 0 under JSON true (the panel's exhausted/expired flag) is left alone.
//
// Each inbound is one transaction, computed outside the lock and verified inside it.
import type Database from "better-sqlite3";
import { formatSettings, type JsonObject, type JsonValue } from "../xui/panel-json.js";
import { num, rowOf, str, type InboundSnapshot, type Snapshot, type TrafficRow } from "../xui/snapshot.js";
import type { EngineContext } from "./engine.js";
import { check, PAIRED_FIELDS, type CheckReport, type Finding } from "./check.js";
import { checkV3File } from "./check-v3.js";

export interface SyncOptions {
  from?: "traffic" | "json";
  prune?: boolean;
  dryRun?: boolean;
}

export interface SyncAction {
  kind: "update-json" | "update-row" | "insert-row" | "delete-row" | "move-row";
  email: string;
  inboundId: number;
  /** Field -> [before, after]. */
  fields: Record<string, [unknown, unknown]>;
}

export interface SyncReport {
  dryRun: boolean;
  actions: SyncAction[];
  /** Findings sync cannot fix (duplicates, unparsable settings, orphans without --prune). */
  unresolved: Finding[];
  before: CheckReport;
  transactions: number;
  longestLockMs: number;
  /** Why sync only reported (3x-ui 3.x): every finding is then in `unresolved`. */
  reportOnly?: string;
}

interface InboundPlan {
  inbound: InboundSnapshot;
  settings: JsonObject | null; // a rewritten copy, or null when settings need no change
  rowUpdates: { row: TrafficRow; set: Record<string, number> }[];
  inserts: Record<string, number | string>[];
  actions: SyncAction[];
}

const MAX_ATTEMPTS = 5;

/**
 * A 3.x file is never repaired here: the panel derives its tables from the JSON on every write
 * it makes, and a partial repair by another hand is what it would then undo or drop
 * (xui3-reference §3.3, §3.4). Its own migration heals all inbounds at once.
 */
const V3_REPAIRS =
  "repairs on 3x-ui 3.x are the panel's job: `/usr/local/x-ui/x-ui migrate` on its server re-derives the `clients` " +
  "tables from the inbounds' settings, adds missing client_traffics rows and deletes orphan ones (then restart the " +
  "panel); clients in no inbound go with the panel's Clients → \"Delete unattached clients\". Nothing was changed";

/** Coerces a JSON client's typed fields to what the panel writes; returns the changes. */
function coerceTypes(client: JsonObject): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const field of ["expiryTime", "totalGB", "limitIp", "reset", "created_at", "updated_at", "tgId"]) {
    if (!(field in client)) continue;
    const value = client[field];
    if (typeof value === "number" && Number.isSafeInteger(value)) continue;
    const fixed = Math.round(num(value));
    changes[field] = [value, fixed];
    client[field] = fixed;
  }
  if ("enable" in client && typeof client.enable !== "boolean") {
    const fixed = !(client.enable === 0 || client.enable === "0" || client.enable === "false");
    changes.enable = [client.enable, fixed];
    client.enable = fixed;
  }
  return changes;
}

const clientList = (settings: JsonObject | null): JsonValue[] =>
  settings && Array.isArray(settings.clients) ? settings.clients : [];

const isObject = (v: JsonValue): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/** Each email's first JSON client across all inbounds ("inbound:index"): the one sync repairs. */
function firstOwners(snapshot: Snapshot): Map<string, string> {
  const owners = new Map<string, string>();
  for (const inbound of snapshot.inbounds.values()) {
    clientList(inbound.settings).forEach((client, i) => {
      if (!isObject(client)) return;
      const lower = str(client.email).toLowerCase();
      if (!owners.has(lower)) owners.set(lower, `${inbound.id}:${i}`);
    });
  }
  return owners;
}

function planInbound(
  inbound: InboundSnapshot,
  snapshot: Snapshot,
  columns: ReadonlySet<string>,
  options: SyncOptions,
  now: number,
): InboundPlan {
  const plan: InboundPlan = { inbound, settings: null, rowUpdates: [], inserts: [], actions: [] };
  if (!inbound.settings) return plan;
  // Work on a copy: the cached parse must stay what the stored text says until we commit.
  const settings = structuredClone(inbound.settings);
  const owners = firstOwners(snapshot);
  const clients = clientList(settings);
  let jsonChanged = false;
  for (const [index, client] of clients.entries()) {
    if (!isObject(client)) continue;
    const email = str(client.email);
    const lower = email.toLowerCase();
    // A duplicate (the same email but for case, here or in an earlier inbound): reported,
    // not guessed at.
    if (owners.get(lower) !== `${inbound.id}:${index}`) continue;
    const jsonFields = coerceTypes(client);
    const rowFields: Record<string, [unknown, unknown]> = {};
    const rowSet: Record<string, number> = {};
    const row = rowOf(snapshot, email);
    if (!row) {
      const insert: Record<string, number | string> = {
        inbound_id: inbound.id,
        enable: client.enable === false ? 0 : 1,
        email,
        up: 0,
        down: 0,
        expiry_time: num(client.expiryTime),
        total: num(client.totalGB),
        reset: num(client.reset),
        all_time: 0,
        last_online: 0,
      };
      plan.inserts.push(Object.fromEntries(Object.entries(insert).filter(([c]) => columns.has(c))));
      plan.actions.push({ kind: "insert-row", email, inboundId: inbound.id, fields: {} });
    } else {
      if (row.inbound_id !== inbound.id) {
        rowSet.inbound_id = inbound.id;
        plan.actions.push({ kind: "move-row", email, inboundId: inbound.id, fields: { inbound_id: [row.inbound_id, inbound.id] } });
      }
      for (const [key, column] of PAIRED_FIELDS) {
        if (!columns.has(column)) continue;
        const jsonValue = num(client[key]);
        if (jsonValue === row[column] && (key in client || row[column] === 0)) continue;
        if (options.from === "json") {
          rowFields[column] = [row[column], jsonValue];
          rowSet[column] = jsonValue;
        } else {
          jsonFields[key] = [client[key] ?? null, row[column]];
          client[key] = row[column];
        }
      }
      if (client.enable === false && row.enable === 1) {
        rowFields.enable = [1, 0];
        rowSet.enable = 0;
      }
      if (Object.keys(rowSet).length > 0) plan.rowUpdates.push({ row, set: rowSet });
      if (Object.keys(rowFields).length > 0) {
        plan.actions.push({ kind: "update-row", email, inboundId: inbound.id, fields: rowFields });
      }
    }
    if (Object.keys(jsonFields).length > 0) {
      client.updated_at = now;
      jsonChanged = true;
      plan.actions.push({ kind: "update-json", email, inboundId: inbound.id, fields: jsonFields });
    }
  }
  if (jsonChanged) plan.settings = settings;
  return plan;
}

function isEmpty(plan: InboundPlan): boolean {
  return plan.settings === null && plan.rowUpdates.length === 0 && plan.inserts.length === 0;
}

function writePlan(conn: Database.Database, plan: InboundPlan, text: string | null, columns: ReadonlySet<string>): void {
  const current = conn.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck().get(plan.inbound.id);
  if (current !== plan.inbound.text) throw new Conflict();
  const readRow = conn.prepare("SELECT inbound_id, enable, expiry_time, total FROM client_traffics WHERE id = ?");
  for (const { row, set } of plan.rowUpdates) {
    const fresh = readRow.get(row.id) as Partial<TrafficRow> | undefined;
    if (!fresh || num(fresh.expiry_time) !== row.expiry_time || num(fresh.total) !== row.total || num(fresh.enable) !== row.enable || num(fresh.inbound_id) !== row.inbound_id) {
      throw new Conflict();
    }
    const names = Object.keys(set);
    conn.prepare(`UPDATE client_traffics SET ${names.map((n) => `\`${n}\` = ?`).join(", ")} WHERE id = ?`).run(...names.map((n) => set[n]), row.id);
  }
  for (const insert of plan.inserts) {
    const names = Object.keys(insert).filter((c) => columns.has(c));
    conn
      .prepare(`INSERT INTO client_traffics (${names.map((n) => `\`${n}\``).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`)
      .run(...names.map((n) => insert[n]));
  }
  if (text !== null) conn.prepare("UPDATE inbounds SET settings = ? WHERE id = ?").run(text, plan.inbound.id);
}

class Conflict extends Error {}

export async function sync(
  ctx: EngineContext,
  options: SyncOptions,
  backup: () => Promise<unknown>,
): Promise<SyncReport> {
  if (ctx.db.schema.family === "3x-ui-3") {
    const before = checkV3File(ctx.db, ctx.now());
    return { dryRun: options.dryRun ?? false, actions: [], unresolved: before.findings, before, transactions: 0, longestLockMs: 0, reportOnly: V3_REPAIRS };
  }
  const columns = ctx.db.schema.trafficColumns;
  let snapshot = ctx.reader.read();
  const before = check(snapshot, ctx.db.schema, ctx.now());
  const report: SyncReport = { dryRun: options.dryRun ?? false, actions: [], unresolved: [], before, transactions: 0, longestLockMs: 0 };
  report.unresolved = before.findings.filter(
    (f) => f.kind === "duplicate-email" || f.kind === "bad-settings" || (f.kind === "orphan-row" && !options.prune),
  );
  const orphans = before.findings.filter((f) => f.kind === "orphan-row");
  if (!options.dryRun) {
    if (!ctx.db.writable) throw ctx.db.writeRefusal();
    await backup();
  }
  for (const id of [...snapshot.inbounds.keys()]) {
    for (let attempt = 1; ; attempt++) {
      const inbound = snapshot.inbounds.get(id);
      if (!inbound) break;
      const plan = planInbound(inbound, snapshot, columns, options, ctx.now());
      if (isEmpty(plan)) break;
      if (options.dryRun) {
        report.actions.push(...plan.actions);
        break;
      }
      const text = plan.settings ? formatSettings(plan.settings) : null;
      try {
        const { lockMs } = await ctx.db.write((conn) => writePlan(conn, plan, text, columns));
        if (text !== null && plan.settings) ctx.reader.remember(id, text, plan.settings);
        report.actions.push(...plan.actions);
        report.transactions++;
        report.longestLockMs = Math.max(report.longestLockMs, lockMs);
        break;
      } catch (error) {
        if (!(error instanceof Conflict) || attempt >= MAX_ATTEMPTS) throw error;
        snapshot = ctx.reader.read();
      }
    }
  }
  if (options.prune) {
    // The first row of each email, as check reports it; one pass, not a search per orphan.
    const firstByEmail = new Map<string, TrafficRow>();
    for (const row of snapshot.allRows) if (!firstByEmail.has(row.email)) firstByEmail.set(row.email, row);
    const rowsToDelete = orphans.map((f) => firstByEmail.get(f.email ?? "")).filter((r): r is TrafficRow => !!r);
    for (const row of rowsToDelete) {
      report.actions.push({ kind: "delete-row", email: row.email, inboundId: row.inbound_id, fields: {} });
    }
    if (!options.dryRun && rowsToDelete.length > 0) {
      const { lockMs } = await ctx.db.write((conn) => {
        const del = conn.prepare("DELETE FROM client_traffics WHERE id = ? AND email = ?");
        for (const row of rowsToDelete) del.run(row.id, row.email);
      });
      report.transactions++;
      report.longestLockMs = Math.max(report.longestLockMs, lockMs);
    }
  }
  return report;
}
