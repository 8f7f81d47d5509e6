// Applies one operation to many clients so that client_traffics and inbounds.settings agree.
//
// Cost and locking: each touched inbound's settings are parsed once (cached by text) and
// serialised once, *before* the write lock is taken. Inside BEGIN IMMEDIATE we only check
// that nothing we computed from has moved (settings text, the clients' rows), then UPDATE.
// If the panel changed something in between, that unit is recomputed from a fresh read.
// Plans go into a DiffTable through two reused state objects: nothing is allocated per client.
import type Database from "better-sqlite3";
import type { XuiDb } from "../xui/database.js";
import { formatSettings, type JsonObject } from "../xui/panel-json.js";
import { RowTable } from "../xui/row-table.js";
import type { InboundSnapshot, SnapshotReader } from "../xui/snapshot.js";
import { DiffTable, newOpResult } from "./diff-table.js";
import { XuiError } from "./errors.js";
import { applyInPlace, blankState, copyState, needsXrayRestart, NOTE } from "./operations.js";
import { selectTargets, type Target } from "./select.js";
import type { ClientState, OpResult, Operation, Selector } from "./types.js";

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

/** Reads a client's stored state into `s`: the admin's switch as given, the rest from row `i`. */
function readState(s: ClientState, enabled: boolean, rows: RowTable, i: number): void {
  const c = rows.columns;
  s.enabled = enabled;
  s.active = c.enable[i] === 1;
  s.expiryTime = c.expiry_time[i] as number;
  s.totalBytes = c.total[i] as number;
  s.reset = c.reset[i] as number;
  s.up = c.up[i] as number;
  s.down = c.down[i] as number;
}

const rowId = (t: Target): number => t.rows.columns.id[t.row] as number;

/** Writes an outcome into the JSON client, as the panel's own update would. */
function writeJson(json: JsonObject, after: ClientState, now: number): void {
  json.enable = after.enabled;
  json.expiryTime = after.expiryTime;
  json.totalGB = after.totalBytes;
  json.updated_at = now;
}

/** Each inbound's targets in one list, then lists packed into units of up to UNIT_CLIENTS. */
function groupUnits(targets: Target[]): Target[][] {
  // Selections by inbound or --all come in runs of one inbound: slice runs, not push clients.
  const byInbound = new Map<number, Target[]>();
  for (let start = 0, end = 1; start < targets.length; start = end++) {
    const id = (targets[start] as Target).inbound.id;
    while (end < targets.length && (targets[end] as Target).inbound.id === id) end++;
    const run = targets.slice(start, end);
    const seen = byInbound.get(id);
    byInbound.set(id, seen ? seen.concat(run) : run);
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

/** The rows with these IDs as they are now, and each one's index by ID. */
function freshRows(conn: Database.Database, db: XuiDb, ids: number[]): { rows: RowTable; byId: Map<number, number> } {
  const columns = db.schema.trafficColumns;
  // Past a few hundred rows, one scan beats a lookup per row.
  const rows = ids.length > SCAN_THRESHOLD ? RowTable.read(conn, columns) : RowTable.readIds(conn, columns, ids);
  return { rows, byId: rows.byId() };
}

/** The statement that writes diff `i`'s after-state into the client's row. */
function rowUpdater(conn: Database.Database, op: Operation, diffs: DiffTable): (i: number, rowId: number) => void {
  const stmt = conn.prepare(
    op.kind === "reset"
      ? "UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ?, up = 0, down = 0 WHERE id = ?"
      : "UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ? WHERE id = ?",
  );
  const { active, expiryTime, totalBytes } = diffs.after;
  return (i, rowId) => stmt.run(active[i], expiryTime[i], totalBytes[i], rowId);
}

/** Whether `s` writes the same JSON fields as diff `i` planned. */
const sameJsonFields = (s: ClientState, diffs: DiffTable, i: number): boolean =>
  s.enabled === (diffs.after.enabled[i] === 1) && s.expiryTime === diffs.after.expiryTime[i] && s.totalBytes === diffs.after.totalBytes[i];

export class Engine {
  // Scratch states for plan() and verify(); both run without an await, so operations running
  // at the same time (two chats) never see each other's values here.
  private readonly before = blankState();
  private readonly after = blankState();

  constructor(private readonly ctx: EngineContext) {}

  async run(op: Operation, selector: Selector, options: { dryRun?: boolean } = {}): Promise<OpResult> {
    if (!options.dryRun && !this.ctx.db.writable) {
      throw new XuiError("read-only", `refusing to write ${this.ctx.db.path}: ${this.ctx.db.refusal}`);
    }
    const snapshot = this.ctx.reader.read();
    const targets = selectTargets(snapshot, selector);
    const diffs = new DiffTable(targets.length);
    const result = newOpResult(op.kind, diffs, options.dryRun ?? false);
    if (options.dryRun) {
      this.plan(op, targets, this.ctx.now(), diffs, false);
    } else {
      // The backup's copy is taken now; it is made durable while the first unit is prepared,
      // and awaited before anything is written.
      const backup = this.ctx.backupBefore?.(targets.length) ?? Promise.resolve(null);
      backup.catch(() => undefined); // handled where it is awaited
      for (const unit of groupUnits(targets)) await this.commitUnit(op, unit, snapshot.changeToken, diffs, result, backup);
      const path = await backup;
      if (path) result.backup = path;
    }
    result.needsApply = diffs.anyRestart();
    return result;
  }

  /**
   * Plans `op` on each target into `diffs` (aligned with `targets` from diffs.length on).
   * With `edit`, writes each change into its JSON client; returns the inbounds it edited.
   */
  private plan(op: Operation, targets: Target[], now: number, diffs: DiffTable, edit: boolean): Map<number, InboundSnapshot> {
    const { before, after } = this;
    const touched = new Map<number, InboundSnapshot>();
    for (const t of targets) {
      const notes = this.planOne(op, t.email, t.rows, t.row, t.json.enable !== false, now);
      const i = diffs.push(t.email, t.inbound.id, before, after, notes, needsXrayRestart(before, after));
      if (edit && diffs.isChanged(i)) {
        writeJson(t.json, after, now);
        touched.set(t.inbound.id, t.inbound);
      }
    }
    return touched;
  }

  /**
   * Plans `op` on one client into the scratch states: `before` is its state in row `row` of
   * `rows` with the admin's switch `enabled`, `after` what `op` makes of it. Returns the notes.
   */
  private planOne(op: Operation, email: string, rows: RowTable, row: number, enabled: boolean, now: number): number {
    readState(this.before, enabled, rows, row);
    return applyInPlace(op, this.before, copyState(this.after, this.before), now, email);
  }

  private async commitUnit(
    op: Operation,
    initial: Target[],
    initialToken: string,
    diffs: DiffTable,
    result: OpResult,
    backup: Promise<string | null>,
  ): Promise<void> {
    let unit = initial;
    let token = initialToken;
    const start = diffs.length;
    for (let attempt = 1; ; attempt++) {
      diffs.truncate(start);
      const now = this.ctx.now();
      const touched = this.plan(op, unit, now, diffs, true);
      if (touched.size === 0) return;
      const texts = new Map<number, string>();
      for (const [id, inbound] of touched) texts.set(id, formatSettings(inbound.settings as JsonObject));
      try {
        await backup;
        const targets = unit;
        const { lockMs } = await this.ctx.db.write((conn) => {
          if (this.ctx.db.changeToken() !== token) this.verify(conn, op, targets, start, diffs, touched, now);
          const updateRow = rowUpdater(conn, op, diffs);
          targets.forEach((t, k) => {
            if (diffs.isChanged(start + k)) updateRow(start + k, rowId(t));
          });
          const writeSettings = conn.prepare("UPDATE inbounds SET settings = ? WHERE id = ?");
          for (const [id, text] of texts) writeSettings.run(text, id);
        });
        for (const [id, inbound] of touched) {
          this.ctx.reader.remember(id, texts.get(id) as string, inbound.settings as JsonObject);
        }
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

  /**
   * Inside the lock, when someone committed since our read (usually the panel's traffic
   * tick): everything the plan was computed from must still hold. Re-plans each diff of the
   * unit (from `start`) on its fresh row.
   */
  private verify(
    conn: Database.Database,
    op: Operation,
    targets: Target[],
    start: number,
    diffs: DiffTable,
    touched: Map<number, InboundSnapshot>,
    now: number,
  ): void {
    const readSettings = conn.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck();
    for (const [id, inbound] of touched) {
      if (readSettings.get(id) !== inbound.text) throw new Conflict();
    }
    const { rows, byId } = freshRows(conn, this.ctx.db, targets.map(rowId));
    const { before, after } = this;
    targets.forEach((target, k) => {
      const i = start + k;
      const row = byId.get(rowId(target));
      if (row === undefined || (rows.emails[row] as string).toLowerCase() !== target.email.toLowerCase()) throw new Conflict();
      // Usage moves every tick; re-plan from the fresh row so the panel's flag is decided on
      // current figures. The JSON side must come out as we serialised it.
      // (The JSON object already holds our edit, so its `enable` comes from the plan.)
      const notes = this.planOne(op, target.email, rows, row, diffs.before.enabled[i] === 1, now);
      const changed = (notes & NOTE["no-change"]) === 0;
      if (changed !== diffs.isChanged(i) || (changed && !sameJsonFields(after, diffs, i))) throw new Conflict();
      diffs.set(i, target.email, target.inbound.id, before, after, notes, needsXrayRestart(before, after));
    });
  }
}
