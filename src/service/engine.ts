// Applies one operation to many clients so that client_traffics and inbounds.settings agree.
//
// Cost and locking: each touched inbound's settings are parsed once (cached by text) and
// serialised once, *before* the write lock is taken. Inside BEGIN IMMEDIATE we only check
// that nothing we computed from has moved (settings text, the clients' rows), then UPDATE.
// If the panel changed something in between, that unit is recomputed from a fresh read.
import type Database from "better-sqlite3";
import type { XuiDb } from "../xui/database.js";
import { formatSettings, type JsonObject } from "../xui/panel-json.js";
import {
  readRows,
  type InboundSnapshot,
  type SnapshotReader,
  type TrafficRow,
} from "../xui/snapshot.js";
import { XuiError } from "./errors.js";
import { applyOperation, needsXrayRestart } from "./operations.js";
import { selectTargets, type Target } from "./select.js";
import type { ClientDiff, ClientState, OpResult, Operation, Selector } from "./types.js";

export interface EngineContext {
  db: XuiDb;
  reader: SnapshotReader;
  now: () => number;
  /** Takes an online backup before a change to `count` clients, when that many call for one. */
  backupBefore?: (count: number) => Promise<string | null>;
}

/**
 * Touched clients per transaction when several small inbounds share one. 5 000 rows and their
 * settings are written in ~30 ms; fewer transactions also mean fewer journal syncs.
 */
export const UNIT_CLIENTS = 5_000;
/** Attempts at one unit while the panel keeps changing what it computed from. */
const MAX_ATTEMPTS = 5;
/** Above this many rows, one scan beats a lookup per row. */
const SCAN_THRESHOLD = 500;

class Conflict extends Error {}

export function stateOf(json: JsonObject, row: TrafficRow): ClientState {
  return {
    enabled: json.enable !== false,
    active: row.enable === 1,
    expiryTime: row.expiry_time,
    totalBytes: row.total,
    reset: row.reset,
    up: row.up,
    down: row.down,
  };
}

/** A diff whose operation changed nothing (notes say why). */
const changed = (d: ClientDiff): boolean => !d.notes.includes("no-change");

/** Writes an outcome into the JSON client, as the panel's own update would. */
function writeJson(json: JsonObject, after: ClientState, now: number): void {
  json.enable = after.enabled;
  json.expiryTime = after.expiryTime;
  json.totalGB = after.totalBytes;
  json.updated_at = now;
}

function groupUnits(targets: Target[]): Target[][] {
  const byInbound = new Map<number, Target[]>();
  for (const t of targets) {
    const list = byInbound.get(t.inbound.id);
    if (list) list.push(t);
    else byInbound.set(t.inbound.id, [t]);
  }
  const units: Target[][] = [];
  let current: Target[] = [];
  for (const list of byInbound.values()) {
    if (current.length > 0 && current.length + list.length > UNIT_CLIENTS) {
      units.push(current);
      current = [];
    }
    current = current.concat(list);
  }
  if (current.length > 0) units.push(current);
  return units;
}

function freshRows(conn: Database.Database, db: XuiDb, ids: number[]): Map<number, TrafficRow> {
  const columns = db.schema.trafficColumns;
  const rows =
    ids.length > SCAN_THRESHOLD
      ? readRows(conn, columns)
      : ids.flatMap((id) => readRows(conn, columns, "WHERE id = ?", id));
  return new Map(rows.map((r) => [r.id, r]));
}

/** The statement that writes one planned diff into the client's row. */
function rowUpdater(conn: Database.Database, op: Operation): (d: ClientDiff, rowId: number) => void {
  const stmt = conn.prepare(
    op.kind === "reset"
      ? "UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ?, up = 0, down = 0 WHERE id = ?"
      : "UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ? WHERE id = ?",
  );
  return (d, rowId) => stmt.run(d.after.active ? 1 : 0, d.after.expiryTime, d.after.totalBytes, rowId);
}

const sameJsonFields = (a: ClientState, b: ClientState): boolean =>
  a.enabled === b.enabled && a.expiryTime === b.expiryTime && a.totalBytes === b.totalBytes;

export class Engine {
  constructor(private readonly ctx: EngineContext) {}

  async run(op: Operation, selector: Selector, options: { dryRun?: boolean } = {}): Promise<OpResult> {
    if (!options.dryRun && !this.ctx.db.writable) {
      throw new XuiError("read-only", `refusing to write ${this.ctx.db.path}: ${this.ctx.db.refusal}`);
    }
    const snapshot = this.ctx.reader.read();
    const targets = selectTargets(snapshot, selector);
    const result: OpResult = {
      operation: op.kind,
      changed: [],
      unchanged: [],
      needsApply: false,
      dryRun: options.dryRun ?? false,
      transactions: 0,
      longestLockMs: 0,
    };
    if (options.dryRun) {
      const now = this.ctx.now();
      for (const target of targets) this.record(result, this.plan(op, target, now));
      return result;
    }
    const backup = await this.ctx.backupBefore?.(targets.length);
    if (backup) result.backup = backup;
    for (const unit of groupUnits(targets)) await this.commitUnit(op, unit, snapshot.changeToken, result);
    return result;
  }

  /** The diff `op` makes on one target; `before` defaults to the target's stored state. */
  private plan(op: Operation, target: Target, now: number, before = stateOf(target.json, target.row)): ClientDiff {
    const { after, notes } = applyOperation(op, before, now, target.email);
    return { email: target.email, inboundId: target.inbound.id, before, after, notes };
  }

  private record(result: OpResult, diff: ClientDiff): void {
    if (changed(diff)) {
      result.changed.push(diff);
      if (needsXrayRestart(diff.before as ClientState, diff.after)) result.needsApply = true;
    } else {
      result.unchanged.push(diff);
    }
  }

  /**
   * Plans, serialises and commits one unit. Diffs are index-aligned with the unit's targets
   * (no wrapper object per client: a bulk job keeps 20 000 of these alive until it commits).
   */
  private async commitUnit(op: Operation, initial: Target[], initialToken: string, result: OpResult): Promise<void> {
    let unit = initial;
    let token = initialToken;
    for (let attempt = 1; ; attempt++) {
      const now = this.ctx.now();
      const planned = unit.map((t) => this.plan(op, t, now));
      const touched = new Map<number, InboundSnapshot>();
      planned.forEach((d, i) => {
        if (!changed(d)) return;
        const target = unit[i] as Target;
        writeJson(target.json, d.after, now);
        touched.set(target.inbound.id, target.inbound);
      });
      if (touched.size === 0) {
        for (const d of planned) this.record(result, d);
        return;
      }
      const texts = new Map<number, string>();
      for (const [id, inbound] of touched) texts.set(id, formatSettings(inbound.settings as JsonObject));
      try {
        const targets = unit;
        const { value: final, lockMs } = await this.ctx.db.write((conn) =>
          this.verifyAndWrite(conn, op, targets, planned, touched, texts, now, token),
        );
        for (const [id, inbound] of touched) {
          this.ctx.reader.remember(id, texts.get(id) as string, inbound.settings as JsonObject);
        }
        for (const d of final) this.record(result, d);
        result.transactions++;
        result.longestLockMs = Math.max(result.longestLockMs, lockMs);
        return;
      } catch (error) {
        // The cached objects now hold our unwritten edits: drop them.
        for (const id of touched.keys()) this.ctx.reader.forget(id);
        if (!(error instanceof Conflict) || attempt >= MAX_ATTEMPTS) throw error;
        const snapshot = this.ctx.reader.read();
        token = snapshot.changeToken;
        unit = selectTargets(snapshot, { refs: unit.map((t) => t.email) });
      }
    }
  }

  /** Inside the lock: write both places, after verifying the plan if anything moved. */
  private verifyAndWrite(
    conn: Database.Database,
    op: Operation,
    targets: Target[],
    planned: ClientDiff[],
    touched: Map<number, InboundSnapshot>,
    texts: Map<number, string>,
    now: number,
    token: string,
  ): ClientDiff[] {
    const final = this.ctx.db.changeToken() === token ? planned : this.verify(conn, op, targets, planned, touched, now);
    const updateRow = rowUpdater(conn, op);
    final.forEach((d, i) => {
      if (changed(d)) updateRow(d, (targets[i] as Target).row.id);
    });
    const writeSettings = conn.prepare("UPDATE inbounds SET settings = ? WHERE id = ?");
    for (const [id, text] of texts) writeSettings.run(text, id);
    return final;
  }

  /**
   * Someone committed since our read (usually the panel's traffic tick): everything the plan
   * was computed from must still hold. Returns the plan re-made on fresh rows.
   */
  private verify(
    conn: Database.Database,
    op: Operation,
    targets: Target[],
    planned: ClientDiff[],
    touched: Map<number, InboundSnapshot>,
    now: number,
  ): ClientDiff[] {
    const readSettings = conn.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck();
    for (const [id, inbound] of touched) {
      if (readSettings.get(id) !== inbound.text) throw new Conflict();
    }
    const rows = freshRows(conn, this.ctx.db, targets.map((t) => t.row.id));
    return planned.map((d, i) => {
      const target = targets[i] as Target;
      const row = rows.get(target.row.id);
      if (!row || row.email.toLowerCase() !== target.email.toLowerCase()) throw new Conflict();
      // Usage moves every tick; re-plan from the fresh row so the panel's flag is decided on
      // current figures. The JSON side must come out as we serialised it.
      // (The JSON object already holds our edit, so its `enable` comes from the plan.)
      const before = { ...stateOf(target.json, row), enabled: (d.before as ClientState).enabled };
      const fresh = this.plan(op, { ...target, row }, now, before);
      if (changed(fresh) !== changed(d) || (changed(d) && !sameJsonFields(fresh.after, d.after))) throw new Conflict();
      return fresh;
    });
  }
}
