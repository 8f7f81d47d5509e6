// Applies one operation to many clients so that client_traffics and inbounds.settings agree.
//
// Cost and locking: each touched inbound's settings are parsed once (cached by text) and
// serialised once, *before* the write lock is taken. Inside BEGIN IMMEDIATE we only check
// that nothing we computed from has moved (settings text, the clients' rows), then UPDATE.
// If the panel changed something in between, that unit is recomputed from a fresh read.
// Plans go into a DiffTable (see diff-table.ts for what its columns buy).
//
// The parsed settings are shared with every reader of the snapshot cache: an edit is made on
// copies (the inbound's clients array and each changed client) and the cache learns the
// text only once it is committed. A few changed clients of a big inbound are spliced into its
// stored text instead of serialising it whole (SnapshotReader.textFor).
import type Database from "better-sqlite3";
import type { XuiDb } from "../xui/database.js";
import type { JsonObject } from "../xui/panel-json.js";
import { ClientRows } from "../xui/client-rows.js";
import { RowTable } from "../xui/row-table.js";
import type { ClientSpans } from "../xui/settings-splice.js";
import { jsonStamp, SPLICE_MAX, type InboundSnapshot, type SnapshotReader } from "../xui/snapshot.js";
import { DiffTable, newOpResult } from "../core/diff-table.js";
import { PartialError } from "../core/errors.js";
import { applyFields, emailAfter, fieldChanges } from "./client-edit.js";
import { applyInPlace, copyState, isRestoredFields, needsXrayRestart } from "./operations.js";
import { blankState, NOTE } from "../core/types.js";
import { selectTargets, type Target } from "./select.js";
import type { ClientState, FieldChanges, OpResult, Operation, Selector } from "../core/types.js";
import type { RemoteWriter } from "./remote2.js";

export interface EngineContext {
  db: XuiDb;
  reader: SnapshotReader;
  now: () => number;
  /** Takes an online backup before `op` on `count` clients, when the change calls for one. */
  backupBefore?: (count: number, op: Operation) => Promise<string | null>;
  /** Touched clients per transaction (default UNIT_CLIENTS). */
  unitClients?: number;
  /** Set when `db` mirrors a remote panel: units are committed through its API (remote2.ts). */
  remote?: RemoteWriter;
}

/** Told of every committed unit, right after its COMMIT: its diffs, as a table of their own. */
export type OnCommit = (unit: DiffTable) => void;

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

/** A remote unit that applied part of its clients before it failed (see commitRemote). */
class UnitPartial extends Error {
  constructor(
    readonly notApplied: string[],
    readonly reason: unknown,
  ) {
    super("part of a unit was applied");
  }
}

const rowId = (t: Target): number => t.rows.id(t.row);

/**
 * An outcome written into a copy of the JSON client, as the panel's own update would: the
 * state's fields (reset only when it changed: it is not the row's to decide), then any of the
 * client's own fields an edit changed.
 */
function editedJson(json: JsonObject, after: ClientState, resetChanged: boolean, fields: FieldChanges | undefined, stamp: number | null): JsonObject {
  const edited: JsonObject = { ...json, enable: after.enabled, expiryTime: after.expiryTime, totalGB: after.totalBytes };
  if (resetChanged) edited.reset = after.reset;
  if (fields) applyFields(edited, fields);
  if (stamp === null) delete edited.updated_at;
  else edited.updated_at = stamp;
  return edited;
}

/** The stamp a write leaves: now, or for an undo what the client had before, when known. */
function stampFor(op: Operation, email: string, now: number): number | null {
  if (op.kind !== "restore") return now;
  const back = op.clients[email.toLowerCase()];
  return isRestoredFields(back) && back.updatedAt !== undefined ? back.updatedAt : now;
}

/** One inbound's edits: replaced (or, for null, removed) JSON clients, by their position in `settings.clients`. */
interface InboundEdit {
  inbound: InboundSnapshot;
  clients: Map<number, JsonObject | null>;
}

/**
 * The clients an edit replaces, by their place in the array (ascending), for splicing their
 * text; null when it removes any (the rest move: serialise whole).
 */
function replacedPositions(edit: InboundEdit): [number, JsonObject][] | null {
  const out: [number, JsonObject][] = [];
  for (const [at, replaced] of edit.clients) {
    if (replaced === null) return null;
    out.push([at, replaced]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The inbound's settings with its edits: new objects; the cached ones stay as they are. */
function editedSettings(edit: InboundEdit): JsonObject {
  const settings = edit.inbound.settings as JsonObject;
  const clients: unknown[] = [];
  (settings.clients as unknown[]).forEach((c, at) => {
    const replaced = edit.clients.get(at);
    if (replaced === undefined) clients.push(c);
    else if (replaced !== null) clients.push(replaced);
  });
  return { ...settings, clients: clients as JsonObject[] };
}

/** Each inbound's targets in one list, then lists packed into units of up to UNIT_CLIENTS. */
function groupUnits(targets: Target[], unitClients: number): Target[][] {
  const byInbound = new Map<number, Target[]>();
  for (const t of targets) {
    const list = byInbound.get(t.inbound.id);
    if (list) list.push(t);
    else byInbound.set(t.inbound.id, [t]);
  }
  const units: Target[][] = [];
  let current: Target[] = [];
  for (const list of byInbound.values()) {
    if (current.length > 0 && current.length + list.length > unitClients) {
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

/**
 * The statement that writes diff `i`'s after-state into the client's row, renaming it (and its
 * IP record) when an edit renamed the client; or that deletes it, keeping what it deletes in
 * the diff for an undo.
 */
function rowUpdater(conn: Database.Database, op: Operation, diffs: DiffTable, columns: ReadonlySet<string>): (i: number, rowId: number) => void {
  const setReset = columns.has("reset") ? ", reset = ?" : "";
  const stmt = conn.prepare(
    op.kind === "reset"
      ? `UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ?${setReset}, up = 0, down = 0 WHERE id = ?`
      : `UPDATE client_traffics SET enable = ?, expiry_time = ?, total = ?${setReset} WHERE id = ?`,
  );
  // The panel forgets a deleted client's IPs with it.
  const rows = new ClientRows(conn, columns);
  const keepTraffic = op.kind === "delete" && op.keepTraffic === true;
  return (i, rowId) => {
    const email = diffs.emails[i] as string;
    if (diffs.isDeleted(i)) {
      const removed = diffs.removed(i);
      if (removed) Object.assign(removed, rows.read(rowId, email));
      rows.remove(rowId, email, keepTraffic);
      return;
    }
    const renamed = emailAfter(email, diffs.fields(i));
    if (renamed !== email) rows.rename(rowId, email, renamed);
    const after = diffs.stateAfter(i);
    const active = after.active ? 1 : 0;
    if (setReset) stmt.run(active, after.expiryTime, after.totalBytes, after.reset, rowId);
    else stmt.run(active, after.expiryTime, after.totalBytes, rowId);
  };
}

/** Whether the change alters what Xray holds of the client besides its state: gone, renamed, another flow. */
const rewritesXray = (notes: number, fields: FieldChanges | undefined): boolean =>
  (notes & NOTE.deleted) !== 0 || fields?.email !== undefined || fields?.flow !== undefined;

/**
 * Whether every client keeps what the places index finds it by (its email, key, Telegram ID
 * and place): no delete, no rename, no new link (from diff `start` on).
 */
function keepsPlaces(op: Operation, diffs: DiffTable, start: number): boolean {
  if (op.kind === "delete") return false;
  for (let i = start; i < diffs.length; i++) {
    const fields = diffs.fields(i);
    if (diffs.isDeleted(i) || fields?.email !== undefined || fields?.tgId !== undefined) return false;
  }
  return true;
}

/** Whether two states write the same JSON fields (the rest lives in the row alone). */
const sameJsonFields = (a: ClientState, b: ClientState): boolean =>
  a.enabled === b.enabled && a.expiryTime === b.expiryTime && a.totalBytes === b.totalBytes && a.reset === b.reset;

/**
 * Plans `op` on one client into `before` (its state in row `row` of `rows` with the admin's
 * switch `enabled`) and `after` (what `op` makes of it), two states each plan reuses for all of
 * its clients. Returns the notes; with `fieldsEdited` (its own JSON fields change too) never
 * "no-change".
 */
function planOne(op: Operation, email: string, rows: RowTable, row: number, enabled: boolean, now: number, fieldsEdited: boolean, before: ClientState, after: ClientState): number {
  rows.readState(row, enabled, before);
  const notes = applyInPlace(op, before, copyState(after, before), now, email);
  return fieldsEdited ? notes & ~NOTE["no-change"] : notes;
}

export class Engine {
  constructor(private readonly ctx: EngineContext) {}

  /**
   * Runs `op`; `onCommit` hears of each committed unit as it commits. When a unit fails after
   * others committed, throws a PartialError holding what was applied and what was not.
   */
  async run(op: Operation, selector: Selector, options: { dryRun?: boolean; onCommit?: OnCommit } = {}): Promise<OpResult> {
    if (!options.dryRun && !this.ctx.db.writable) {
      throw this.ctx.db.writeRefusal();
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
      const backup = this.ctx.backupBefore?.(targets.length, op) ?? Promise.resolve(null);
      backup.catch(() => undefined); // handled where it is awaited
      const units = groupUnits(targets, this.ctx.unitClients ?? UNIT_CLIENTS);
      let token = snapshot.changeToken;
      for (const [k, unit] of units.entries()) {
        const start = diffs.length;
        try {
          token = await this.commitUnit(op, unit, token, diffs, result, backup);
        } catch (error) {
          const later = units.slice(k + 1).flatMap((u) => u.map((t) => t.email));
          if (error instanceof UnitPartial) {
            // What the panel applied of this unit is on record before the failure is told.
            result.transactions++;
            options.onCommit?.(diffs.slice(start));
            throw new PartialError(result, [...error.notApplied, ...later], error.reason);
          }
          if (result.transactions === 0) throw error;
          diffs.truncate(start);
          throw new PartialError(result, [...unit.map((t) => t.email), ...later], error);
        }
        if (diffs.length > start && diffs.count(true, start) > 0) options.onCommit?.(diffs.slice(start));
      }
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
  private plan(op: Operation, targets: Target[], now: number, diffs: DiffTable, edit: boolean): Map<number, InboundEdit> {
    const before = blankState();
    const after = blankState();
    const touched = new Map<number, InboundEdit>();
    for (const t of targets) {
      const fields = fieldChanges(op, t.email, t.json);
      const notes = planOne(op, t.email, t.rows, t.row, t.json.enable !== false, now, fields !== undefined, before, after);
      const i = diffs.push(t.email, t.inbound.id, before, after, notes, needsXrayRestart(before, after, rewritesXray(notes, fields)));
      if (fields) diffs.setFields(i, fields);
      // The JSON client is rewritten (and stamped) only when one of its own fields changes: a
      // reset that only zeroes usage touches the row alone, as the panel's reset does.
      const deleted = diffs.isDeleted(i);
      if (edit && diffs.isChanged(i) && (deleted || fields !== undefined || !sameJsonFields(before, after))) {
        let inboundEdit = touched.get(t.inbound.id);
        if (!inboundEdit) touched.set(t.inbound.id, (inboundEdit = { inbound: t.inbound, clients: new Map() }));
        const stamp = deleted ? null : stampFor(op, t.email, now);
        inboundEdit.clients.set(t.at, deleted ? null : editedJson(t.json, after, before.reset !== after.reset, fields, stamp));
        diffs.setStamps(i, jsonStamp(t.json), stamp);
        // Its rows are added under the lock, as they are when deleted.
        if (deleted) diffs.setRemoved(i, { index: t.at, json: t.json, row: null, ips: null });
      }
    }
    return touched;
  }

  private async commitUnit(
    op: Operation,
    initial: Target[],
    initialToken: string,
    diffs: DiffTable,
    result: OpResult,
    backup: Promise<string | null>,
  ): Promise<string> {
    let unit = initial;
    let token = initialToken;
    const start = diffs.length;
    for (let attempt = 1; ; attempt++) {
      diffs.truncate(start);
      const now = this.ctx.now();
      const touched = this.plan(op, unit, now, diffs, true);
      if (diffs.count(true, start) === 0) return token;
      const edited = new Map<number, { settings?: JsonObject; text: string; spans?: ClientSpans }>();
      for (const [id, edit] of touched) {
        // A few clients of a big inbound: their bytes spliced into the stored text.
        const few = edit.clients.size <= SPLICE_MAX ? replacedPositions(edit) : null;
        edited.set(id, this.ctx.reader.textFor(id, edit.inbound.text, () => editedSettings(edit), few));
      }
      try {
        await backup;
        if (this.ctx.remote) {
          await this.commitRemote(this.ctx.remote, op, unit, start, diffs, touched, edited);
          result.transactions++;
          return token;
        }
        const targets = unit;
        let rewritten: RowTable | null = null;
        const { lockMs, tokenAfter } = await this.ctx.db.write((conn) => {
          const moved = this.ctx.db.changeToken() !== token;
          if (moved) this.verify(conn, op, targets, start, diffs, touched, now);
          const updateRow = rowUpdater(conn, op, diffs, this.ctx.db.schema.trafficColumns);
          const ids: number[] = [];
          targets.forEach((t, k) => {
            if (!diffs.isChanged(start + k)) return;
            updateRow(start + k, rowId(t));
            ids.push(rowId(t));
          });
          const writeSettings = conn.prepare("UPDATE inbounds SET settings = ? WHERE id = ?");
          for (const [id, { text }] of edited) writeSettings.run(text, id);
          // A small change on an unmoved snapshot: the next one is this one patched (below).
          if (!moved && ids.length <= SCAN_THRESHOLD && keepsPlaces(op, diffs, start)) rewritten = RowTable.readIds(conn, this.ctx.db.schema.trafficColumns, ids);
        });
        for (const [id, { settings, text, spans }] of edited) this.ctx.reader.remember(id, text, settings, spans);
        if (rewritten) this.ctx.reader.patch(token, tokenAfter, edited, rewritten);
        result.transactions++;
        result.longestLockMs = Math.max(result.longestLockMs, lockMs);
        return tokenAfter;
      } catch (error) {
        if (!(error instanceof Conflict) || attempt >= MAX_ATTEMPTS) throw error;
        const snapshot = this.ctx.reader.read();
        token = snapshot.changeToken;
        unit = selectTargets(snapshot, { refs: unit.map((t) => t.email) });
      }
    }
  }

  /**
   * Commits a planned unit through a remote panel's API. Its diffs that the panel did not apply
   * become no-change (so that the audit records only what was applied); when some were applied
   * before a failure, throws UnitPartial naming the others.
   */
  private async commitRemote(
    remote: RemoteWriter,
    op: Operation,
    targets: Target[],
    start: number,
    diffs: DiffTable,
    touched: Map<number, InboundEdit>,
    edited: Map<number, { text: string }>,
  ): Promise<void> {
    const edits = new Map([...touched].map(([id, edit]) => [id, { ...edit, text: (edited.get(id) as { text: string }).text }]));
    const outcome = await remote.commit({ op, targets, start, diffs, edits });
    if (outcome === "conflict") throw new Conflict();
    const changedBefore = diffs.count(true, start);
    for (const i of outcome.notApplied) {
      const before = diffs.stateBefore(i);
      diffs.set(i, diffs.emails[i] as string, diffs.inboundIds[i] as number, before, before, NOTE["no-change"], false);
    }
    if (outcome.error === undefined) return;
    if (outcome.notApplied.length === changedBefore) throw outcome.error;
    throw new UnitPartial(outcome.notApplied.map((i) => diffs.emails[i] as string), outcome.error);
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
    touched: Map<number, InboundEdit>,
    now: number,
  ): void {
    const readSettings = conn.prepare("SELECT settings FROM inbounds WHERE id = ?").pluck();
    for (const [id, { inbound }] of touched) {
      if (readSettings.get(id) !== inbound.text) throw new Conflict();
    }
    const { rows, byId } = freshRows(conn, this.ctx.db, targets.map(rowId));
    const before = blankState();
    const after = blankState();
    targets.forEach((target, k) => {
      const i = start + k;
      const row = byId.get(rowId(target));
      if (row === undefined || (rows.emails[row] as string).toLowerCase() !== target.email.toLowerCase()) throw new Conflict();
      // Usage moves every tick; re-plan from the fresh row so the panel's flag is decided on
      // current figures. The JSON side must come out as we serialised it.
      const notes = planOne(op, target.email, rows, row, diffs.stateBefore(i).enabled, now, diffs.fields(i) !== undefined, before, after);
      const changed = (notes & NOTE["no-change"]) === 0;
      if (changed !== diffs.isChanged(i) || (changed && !sameJsonFields(after, diffs.stateAfter(i)))) throw new Conflict();
      diffs.set(i, target.email, target.inbound.id, before, after, notes, needsXrayRestart(before, after, rewritesXray(notes, diffs.fields(i))));
    });
  }
}
