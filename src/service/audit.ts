// What every change leaves behind (who, when, what, each client's before and after), and how
// an undo is planned from it. The log itself lives in the bot's own file (src/store), so
// x-ui.db holds nothing of ours.
import { EDIT_FIELDS, type AuditEntry, type Client, type EditField, type FieldChange, type Operation, type Reinsert, type RestoredFields } from "../core/types.js";
import { num, str } from "../xui/values.js";
import { emailAfter } from "./client-edit.js";

export interface UndoPlan {
  op: Operation & { kind: "restore" };
  /** Clients changed since the entry, or gone: left as they are. */
  skipped: string[];
  /**
   * Several servers: the change's clients on servers that cannot be read now (server/email),
   * not in `op`: their part is planned by the undo itself, if their server answers by then.
   */
  unreachable?: string[];
}

/** Every client an undo would try: those planned, and those of servers unreachable now. */
export const undoTargets = (plan: UndoPlan): string[] => [...Object.keys(plan.op.clients), ...(plan.unreachable ?? [])];

/** Whether an audit entry can be undone at all (undo itself and sync are not). */
export const isUndoable = (entry: Pick<AuditEntry, "operation" | "undoneBy">): boolean =>
  entry.undoneBy === null && entry.operation !== "restore" && entry.operation !== "sync";

/** The fields an undo puts back; usage is never written back. */
const FIELDS = ["enabled", "active", "expiryTime", "totalBytes", "reset"] as const;

/** Whether the client's own field `f` still holds what `change` wrote (read as the client reads it). */
function holds(now: Client, f: EditField, change: FieldChange): boolean {
  if (!("after" in change)) return now[f] === (f === "tgId" || f === "limitIp" ? 0 : "");
  return now[f] === (f === "tgId" || f === "limitIp" ? num(change.after) : str(change.after));
}

/**
 * Reverts what `entry` did, for each client whose affected fields (those the entry changed)
 * still hold the values it wrote; a client it created is deleted if it is exactly as created,
 * and a client it deleted is put back as it was, if no client took its email since.
 * Every field of a reverted client is then what it was before the entry (the affected ones
 * from the entry, the others are unchanged since), and its JSON `updated_at` too when no one
 * wrote the client since. `current` gives a client's present state by email (undefined: gone).
 */
export function planUndo(entry: AuditEntry, current: (email: string) => Client | undefined): UndoPlan {
  const clients: Record<string, RestoredFields | "delete" | Reinsert> = {};
  const skipped: string[] = [];
  for (const d of entry.diffs) {
    if (d.notes.includes("deleted")) {
      if (d.removed && !current(d.email)) clients[d.email.toLowerCase()] = { reinsert: d.removed, inboundId: d.inboundId };
      else skipped.push(d.email);
      continue;
    }
    // A renamed client goes by its new email now.
    const email = emailAfter(d.email, d.fields);
    const now = current(email);
    const stampKept = d.updatedAt !== undefined && now !== undefined && now.updatedAt === d.updatedAt.after;
    const before = d.before;
    if (!now) {
      skipped.push(d.email);
    } else if (!before) {
      const untouched = FIELDS.every((f) => now[f] === d.after[f]) && (d.updatedAt === undefined || stampKept);
      if (untouched) clients[email.toLowerCase()] = "delete";
      else skipped.push(d.email);
    } else {
      const affected = FIELDS.filter((f) => before[f] !== d.after[f]);
      const fields = d.fields ?? {};
      const ownAffected = EDIT_FIELDS.filter((f) => fields[f] !== undefined);
      if (affected.length === 0 && ownAffected.length === 0) continue; // only usage moved (a reset): nothing to put back
      if (affected.some((f) => now[f] !== d.after[f]) || ownAffected.some((f) => !holds(now, f, fields[f] as FieldChange))) {
        skipped.push(d.email);
        continue;
      }
      const back: RestoredFields = { enabled: now.enabled, active: now.active, expiryTime: now.expiryTime, totalBytes: now.totalBytes, reset: now.reset };
      for (const f of affected) (back as unknown as Record<string, unknown>)[f] = before[f];
      if (ownAffected.length > 0) {
        // Each field back to its value before, exactly as stored (absent: the key goes).
        back.fields = Object.fromEntries(ownAffected.map((f) => [f, "before" in (fields[f] as FieldChange) ? { after: fields[f]?.before } : {}]));
      }
      if (stampKept) back.updatedAt = (d.updatedAt as { before: number | null }).before;
      clients[email.toLowerCase()] = back;
    }
  }
  return { op: { kind: "restore", clients }, skipped };
}
