// The undo of a delete: each deleted client goes back into its inbound, at its old place, as
// the very JSON object it was (same key, subId, dates, flags, comment, updated_at), with its
// client_traffics row as it was (usage included) and its IP record.
import { DiffTable, newOpResult } from "../core/diff-table.js";
import { blankState, type ClientState, type OpResult, type Operation, type Reinsert } from "../core/types.js";
import type { JsonObject } from "../xui/panel-json.js";
import { num, str } from "../xui/values.js";
import type { EngineContext, OnCommit } from "./engine.js";
import { assertEmailsFree, insertClients, retryConflicts, writableInbound, type Insertion } from "./insert.js";
import { isServed } from "./operations.js";

export type Restore = Operation & { kind: "restore" };

const isReinsertEntry = (c: Restore["clients"][string]): c is Reinsert => typeof c === "object" && "reinsert" in c;

/** Whether a restore puts deleted clients back (the undo of a delete). */
export const isReinsert = (op: Operation): op is Restore => op.kind === "restore" && Object.values(op.clients).some(isReinsertEntry);

/** The deleted clients a restore puts back. */
export const reinsertsOf = (op: Restore): Reinsert[] => Object.values(op.clients).filter(isReinsertEntry);

/** The state a put-back client has: its JSON switch, the rest from its row. */
function stateOf(json: JsonObject, row: Record<string, unknown> | null): ClientState {
  if (!row) return { ...blankState(), enabled: json.enable !== false };
  return {
    enabled: json.enable !== false,
    active: num(row.enable) === 1,
    expiryTime: num(row.expiry_time),
    totalBytes: num(row.total),
    reset: num(row.reset),
    up: num(row.up),
    down: num(row.down),
  };
}

/** What putting the clients back writes, planned on a fresh read, and its diffs. */
function plan(ctx: EngineContext, op: Restore): { insertions: Insertion[]; diffs: DiffTable } {
  const snapshot = ctx.reader.read();
  const entries = reinsertsOf(op);
  const insertions: Insertion[] = [];
  const diffs = new DiffTable(entries.length);
  assertEmailsFree(snapshot, entries.map((e) => str(e.reinsert.json.email)));
  for (const { reinsert, inboundId } of entries) {
    const json = reinsert.json as JsonObject;
    const email = str(json.email);
    // A delete with --keep-traffic left the row: it stays, as it is now.
    const rowIndex = snapshot.rowTable.indexOf(email);
    const kept = reinsert.row !== null && rowIndex >= 0 && snapshot.rowTable.id(rowIndex) === reinsert.row.id;
    insertions.push({ inbound: writableInbound(snapshot, inboundId), json, index: reinsert.index, row: kept ? null : reinsert.row, ips: reinsert.ips });
    const after = stateOf(json, reinsert.row);
    const i = diffs.push(email, inboundId, null, after, 0, isServed(after));
    diffs.setStamps(i, null, typeof json.updated_at === "number" ? json.updated_at : null);
  }
  return { insertions, diffs };
}

export async function reinsertClients(ctx: EngineContext, op: Restore, options: { dryRun?: boolean; onCommit?: OnCommit } = {}): Promise<OpResult> {
  if (options.dryRun) {
    const { diffs } = plan(ctx, op);
    return newOpResult("restore", diffs, true);
  }
  let backup: string | null = null;
  const { diffs, lockMs } = await retryConflicts(async () => {
    const { insertions, diffs } = plan(ctx, op);
    backup ??= (await ctx.backupBefore?.(insertions.length, op)) ?? null;
    return { diffs, lockMs: await insertClients(ctx, insertions) };
  });
  const result = newOpResult("restore", diffs, false);
  result.transactions = 1;
  result.longestLockMs = lockMs;
  result.needsApply = diffs.anyRestart();
  if (backup) result.backup = backup;
  options.onCommit?.(diffs);
  return result;
}
