// What every change leaves behind (who, when, what, each client's before and after), and how
// an undo is planned from it. The log itself lives in the bot's own file (src/store), so
// x-ui.db holds nothing of ours.
import type { DiffTable } from "./diff-table.js";
import type { ClientDiff, Operation, OperationKind, RestoredFields } from "./types.js";

export interface ChangeRecord {
  /** A Telegram user ID, "cli" or "api". */
  actor: string;
  operation: OperationKind | "sync";
  op: Operation | null;
  /** Every client it selected; those it left as they were carry the no-change note (stored
   *  as they are: copying out the changed ones cost more than keeping them). */
  diffs: DiffTable;
  /** For a sync: what it repaired (sync works on fields, not on client states). */
  details?: unknown;
}

export interface AuditEntry extends Omit<ChangeRecord, "diffs"> {
  /** The clients it changed. */
  diffs: ClientDiff[];
  id: number;
  at: number;
  /** The entry that undid this one, if any. */
  undoneBy: number | null;
}

/** Receives every committed change; returns the entry's ID. */
export type Recorder = (record: ChangeRecord) => number;

export interface UndoPlan {
  op: Operation & { kind: "restore" };
  /** Clients changed since the entry (or created by it): left as they are. */
  skipped: string[];
}

const FIELDS = ["enabled", "expiryTime", "totalBytes"] as const;

/**
 * Restores what `entry` changed, for each client whose affected fields (those the entry
 * changed) still hold the values it wrote; other fields stay as they are now. `current`
 * gives a client's present fields by email (undefined: gone).
 */
export function planUndo(entry: AuditEntry, current: (email: string) => RestoredFields | undefined): UndoPlan {
  const clients: Record<string, RestoredFields> = {};
  const skipped: string[] = [];
  for (const d of entry.diffs) {
    const now = current(d.email);
    const before = d.before;
    const affected = before ? FIELDS.filter((f) => before[f] !== d.after[f]) : [];
    if (!before || !now || affected.length === 0 || affected.some((f) => now[f] !== d.after[f])) {
      skipped.push(d.email);
      continue;
    }
    const back = Object.fromEntries(affected.map((f) => [f, before[f]])) as Partial<RestoredFields>;
    clients[d.email.toLowerCase()] = { enabled: now.enabled, expiryTime: now.expiryTime, totalBytes: now.totalBytes, ...back };
  }
  return { op: { kind: "restore", clients }, skipped };
}
