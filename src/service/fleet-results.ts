// One answer from the parts of a change run on several servers: the results merged (every
// diff carrying its server), or, when some servers failed, a PartialError that applies what
// the others did and names each client of the failed ones as not changed.
import { DiffTable } from "../core/diff-table.js";
import type { ServerFailure } from "../core/error-detail.js";
import { PartialError, XuiError } from "../core/errors.js";
import type { ClientDiff, OpResult, OperationKind } from "../core/types.js";
import { errorText } from "./server-status.js";

/** One server's share of a change, as the merged result lists it. */
export interface ServerPart {
  server: string;
  changed: number;
  unchanged: number;
  auditId?: number;
  /** Why this server's part was not done (or done only partly). */
  error?: string;
}

/** A change over several servers: OpResult, plus each server's part. */
export type FleetResult = OpResult & { servers: ServerPart[] };

/** What one server's part came to: done, done partly, or not done with the clients it had. */
export type PartOutcome = { server: string; result: OpResult } | { server: string; error: unknown; notApplied: string[] };

const tagged = (server: string, diffs: ClientDiff[]) => diffs.map((d) => ({ ...d, server }));

export function mergeResults(operation: OperationKind, dryRun: boolean, parts: { server: string; result: OpResult; error?: string }[]): FleetResult {
  const changed = parts.flatMap((p) => tagged(p.server, p.result.changed));
  const unchanged = parts.flatMap((p) => tagged(p.server, p.result.unchanged));
  const auditId = parts.find((p) => p.result.auditId !== undefined)?.result.auditId;
  const backups = parts.flatMap((p) => (p.result.backup === undefined ? [] : [p.result.backup]));
  const result = {
    operation,
    changed,
    unchanged,
    needsApply: parts.some((p) => p.result.needsApply),
    dryRun,
    transactions: parts.reduce((n, p) => n + p.result.transactions, 0),
    longestLockMs: Math.max(0, ...parts.map((p) => p.result.longestLockMs)),
    ...(auditId === undefined ? {} : { auditId }),
    ...(backups.length > 0 ? { backup: backups.join(", ") } : {}),
    servers: parts.map((p) => ({
      server: p.server,
      changed: p.result.changed.length,
      unchanged: p.result.unchanged.length,
      ...(p.result.auditId === undefined ? {} : { auditId: p.result.auditId }),
      ...(p.error === undefined ? {} : { error: p.error }),
    })),
  };
  // As every OpResult: the table is there for counting, not part of the JSON form.
  return Object.defineProperty(result, "diffs", { value: DiffTable.of([...changed, ...unchanged]), enumerable: false }) as FleetResult;
}

/**
 * The parts' outcomes as one result, or the error to throw: all failed, the first failure's
 * kind with every server's reason; some failed, a PartialError with what the others applied.
 */
export function settleParts(operation: OperationKind, dryRun: boolean, outcomes: PartOutcome[]): FleetResult {
  const done: { server: string; result: OpResult; error?: string }[] = [];
  const notApplied: string[] = [];
  // Each server's own error, as data for a face to say in its language; `reasons` in English.
  const failures: ServerFailure[] = [];
  for (const o of outcomes) {
    if ("result" in o) {
      done.push(o);
    } else if (o.error instanceof PartialError) {
      done.push({ server: o.server, result: o.error.applied, error: o.error.message });
      notApplied.push(...o.error.notApplied.map((email) => `${o.server}/${email}`));
      failures.push({ server: o.server, error: o.error.reason });
    } else {
      notApplied.push(...o.notApplied);
      failures.push({ server: o.server, error: o.error });
    }
  }
  if (failures.length === 0) return mergeResults(operation, dryRun, done);
  const reasons = failures.map((f) => `server ${f.server}: ${errorText(f.error)}`).join("; ");
  const failed = outcomes.find((o) => !("result" in o)) as { error: unknown };
  if (done.length === 0) {
    if (!(failed.error instanceof XuiError)) throw failed.error;
    throw new XuiError(failed.error.code, `nothing was changed: ${reasons}`, failed.error.subjects, undefined, { kind: "servers", failures });
  }
  const code = failed.error instanceof XuiError ? failed.error.code : "partial";
  throw new PartialError(mergeResults(operation, dryRun, done), notApplied, new XuiError(code, `not done on ${reasons}`, [], undefined, { kind: "servers", failures }));
}
