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
import { applyOperation, needsXrayRestart, type Outcome } from "./operations.js";
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

interface Planned {
  target: Target;
  before: ClientState;
  outcome: Outcome;
}

const changed = (p: Planned): boolean => !p.outcome.notes.includes("no-change");

function toDiff(p: Planned): ClientDiff {
  return {
    email: p.target.email,
    inboundId: p.target.inbound.id,
    before: p.before,
    after: p.outcome.after,
    notes: p.outcome.notes,
  };
}

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

function rowUpdater(conn: Database.Database, op: Operation): (p: Planned) => void {
  if (op.kind === "reset") {
    const stmt = conn.prepare(
      "UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ?, up = 0, down = 0 WHERE id = ?",
    );
    return (p) => stmt.run(p.outcome.after.active ? 1 : 0, p.outcome.after.expiryTime, p.outcome.after.totalBytes, p.target.row.id);
  }
  const stmt = conn.prepare("UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ? WHERE id = ?");
  return (p) => stmt.run(p.outcome.after.active ? 1 : 0, p.outcome.after.expiryTime, p.outcome.after.totalBytes, p.target.row.id);
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

  private plan(op: Operation, target: Target, now: number, before = stateOf(target.json, target.row)): Planned {
    return { target, before, outcome: applyOperation(op, before, now, target.email) };
  }

  private record(result: OpResult, p: Planned): void {
    if (changed(p)) {
      result.changed.push(toDiff(p));
      if (needsXrayRestart(p.before, p.outcome.after)) result.needsApply = true;
    } else {
      result.unchanged.push(toDiff(p));
    }
  }

  private async commitUnit(op: Operation, initial: Target[], initialToken: string, result: OpResult): Promise<void> {
    let unit = initial;
    let token = initialToken;
    for (let attempt = 1; ; attempt++) {
      const now = this.ctx.now();
      const planned = unit.map((t) => this.plan(op, t, now));
      const touched = new Map<number, InboundSnapshot>();
      for (const p of planned) {
        if (!changed(p)) continue;
        writeJson(p.target.json, p.outcome.after, now);
        touched.set(p.target.inbound.id, p.target.inbound);
      }
      if (touched.size === 0) {
        for (const p of planned) this.record(result, p);
        return;
      }
      const texts = new Map<number, string>();
      for (const [id, inbound] of touched) texts.set(id, formatSettings(inbound.settings as JsonObject));
      try {
        const { value: final, lockMs } = await this.ctx.db.write((conn) =>
          this.verifyAndWrite(conn, op, planned, touched, texts, now, token),
        );
        for (const [id, inbound] of touched) {
          this.ctx.reader.remember(id, texts.get(id) as string, inbound.settings as JsonObject);
        }
        for (const p of final) this.record(result, p);
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
    planned: Planned[],
    touched: Map<number, InboundSnapshot>,
    texts: Map<number, string>,
    now: number,
    token: string,
  ): Planned[] {
    const final = this.ctx.db.changeToken() === token ? planned : this.verify(conn, op, planned, touched, now);
    const updateRow = rowUpdater(conn, op);
    for (const p of final) if (changed(p)) updateRow(p);
    const writeSettings = conn.prepare("UPDATE inbounds SET settings = ? WHERE id = ?");
    for (const [id, text] of texts) writeSettings.run(text, id);
    return final;
  }

  /**
   * Someone committed since our read (usually the panel's traffic tick): everything the plan
   * was computed from must still hold. Returns the plan re-made on fresh rows.
   */
  private verify(conn: Database.Database, op: Operation, planned: Planned[], touched: Map<number, InboundSnapshot>, now: number): Planned[] {
    const readSettings = conn.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck();
    for (const [id, inbound] of touched) {
      if (readSettings.get(id) !== inbound.text) throw new Conflict();
    }
    const rows = freshRows(conn, this.ctx.db, planned.map((p) => p.target.row.id));
    const final: Planned[] = [];
    for (const p of planned) {
      const row = rows.get(p.target.row.id);
      if (!row || row.email.toLowerCase() !== p.target.email.toLowerCase()) throw new Conflict();
      // Usage moves every tick; re-plan from the fresh row so the panel's flag is decided on
      // current figures. The JSON side must come out as we serialised it.
      // (The JSON object already holds our edit, so its `enable` comes from the plan.)
      const target = { ...p.target, row };
      const fresh = this.plan(op, target, now, { ...stateOf(target.json, row), enabled: p.before.enabled });
      if (changed(fresh) !== changed(p) || (changed(p) && !sameJsonFields(fresh.outcome.after, p.outcome.after))) {
        throw new Conflict();
      }
      final.push(fresh);
    }
    return final;
  }
}
