// What every change leaves behind (who, when, what, each client's before and after), and how
// an undo is planned from it. The log itself lives in the bot's own file (src/store), so
// x-ui.db holds nothing of ours.
import type { AuditEntry, Client, Operation, RestoredFields } from "../shared/types.js";

export interface UndoPlan {
  op: Operation & { kind: "restore" };
  /** Clients changed since the entry, or gone: left as they are. */
  skipped: string[];
}

/** Whether an audit entry can be undone at all (undo itself and sync are not). */
export const isUndoable = (entry: Pick<AuditEntry, "operation" | "undoneBy">): boolean =>
  entry.undoneBy === null && entry.operation !== "restore" && entry.operation !== "sync";

/** The fields an undo puts back; usage is never written back. */
const FIELDS = ["enabled", "active", "expiryTime", "totalBytes", "reset"] as const;

/**
 * Reverts what `entry` did, for each client whose affected fields (those the entry changed)
 * still hold the values it wrote; a client it created is deleted if it is exactly as created.
 * Every field of a reverted client is then what it was before the entry (the affected ones
 * from the entry, the others are unchanged since), and its JSON `updated_at` too when no one
 * wrote the client since. `current` gives a client's present state by email (undefined: gone).
 */
export function planUndo(entry: AuditEntry, current: (email: string) => Client | undefined): UndoPlan {
  const clients: Record<string, RestoredFields | "delete"> = {};
  const skipped: string[] = [];
  for (const d of entry.diffs) {
    const now = current(d.email);
    const stampKept = d.updatedAt !== undefined && now !== undefined && now.updatedAt === d.updatedAt.after;
    const before = d.before;
    if (!now || d.notes.includes("deleted")) {
      skipped.push(d.email);
    } else if (!before) {
      const untouched = FIELDS.every((f) => now[f] === d.after[f]) && (d.updatedAt === undefined || stampKept);
      if (untouched) clients[d.email.toLowerCase()] = "delete";
      else skipped.push(d.email);
    } else {
      const affected = FIELDS.filter((f) => before[f] !== d.after[f]);
      if (affected.length === 0) continue; // only usage moved (a reset): nothing to put back
      if (affected.some((f) => now[f] !== d.after[f])) {
        skipped.push(d.email);
        continue;
      }
      const back: RestoredFields = { enabled: now.enabled, active: now.active, expiryTime: now.expiryTime, totalBytes: now.totalBytes, reset: now.reset };
      for (const f of affected) (back as unknown as Record<string, unknown>)[f] = before[f];
      if (stampKept) back.updatedAt = (d.updatedAt as { before: number | null }).before;
      clients[d.email.toLowerCase()] = back;
    }
  }
  return { op: { kind: "restore", clients }, skipped };
}
