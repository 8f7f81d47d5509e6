// Errors a front end can explain to a person. Each names the input at fault; whenever one is
// thrown, nothing has been written, except a PartialError, which says exactly what was.
import type { ErrorDetail } from "./error-detail.js";
import { count } from "./plural.js";
import type { OpResult } from "./types.js";

export type XuiErrorCode =
  | "bad-input" // a value a person typed is malformed or out of range
  | "unknown-ref" // one or more references match no client
  | "ambiguous-ref" // a reference matches more than one client
  | "unknown-inbound"
  | "duplicate-email"
  | "read-only" // the database cannot be edited safely (layout, version, permissions)
  | "busy" // the database stayed locked past the retry budget
  | "no-traffic-row" // a JSON client without its client_traffics row: run sync first
  | "backup-failed" // the backup a big change needs could not be taken
  | "wrong-database" // an undo of a change recorded against another x-ui.db
  | "partial" // a change in several transactions failed after some of them committed
  | "panel-unreachable" // the panel's HTTP API did not answer (down, timeout, TLS not trusted)
  | "panel-auth" // the panel refused the API token or the login
  | "panel-refused" // the panel answered success:false; the message carries its msg
  | "panel-invalid"; // the panel's answer is not what 3x-ui 3.x sends (wrong URL, version, body)

/**
 * Why a typed value was refused, for a face to say in its own language; `limit` is the bound
 * the value broke (`too-big`, `too-long`, ...). The English wording is INVALID_TEXTS.
 */
export const INVALID_TEXTS = {
  "not-days": () => "is not a whole number of days",
  "not-whole": () => "is not a whole number",
  "not-bytes": () => "is not a whole number of bytes",
  "not-gb": () => "is not a number of GB",
  "not-date": () => "is not a date (YYYY-MM-DD) or never",
  "not-calendar-date": () => "is not a valid calendar date",
  "not-flow": (flows: string) => `is not a flow (${flows}, or none)`,
  "not-string": () => "must be a string",
  "too-small": (limit: string) => `must be at least ${limit}`,
  "too-big": (limit: string) => `must be at most ${limit}`,
  "too-big-gb": (limit: string) => `must be at most ${limit} GB`,
  "out-of-range": (limit: string) => `must be between -${limit} and ${limit}`,
  "zero-days": () => "must not be 0 (a negative number takes days away)",
  negative: () => "must not be negative",
  "ambiguous-comma": () => "is ambiguous (a decimal comma or a thousands separator?): write it without the comma, or with a point for a fraction",
  empty: () => "must not be empty",
  "email-chars": () => "must not contain spaces, commas or semicolons",
  "too-long": (limit: string) => `is longer than ${limit} characters`,
  "too-long-bytes": (limit: string) => `is longer than ${limit} bytes`,
  "control-chars": () => "must not contain control characters",
} satisfies Record<string, (limit: string) => string>;

export type InvalidCode = keyof typeof INVALID_TEXTS;

/** INVALID_TEXTS as a face's translation of it must be shaped. */
export type InvalidTexts = Record<InvalidCode, (limit: string) => string>;

export interface Invalid {
  field: string;
  value: unknown;
  code: InvalidCode;
  limit: string;
}

export class XuiError extends Error {
  constructor(
    readonly code: XuiErrorCode,
    message: string,
    /** The offending inputs, e.g. every unknown reference. */
    readonly subjects: string[] = [],
    /** For a refused value (bad-input): which, and why, as data a face can translate. */
    readonly invalid?: Invalid,
    /** Anything else a face needs to say it in its own language (error-detail.ts). */
    readonly detail?: ErrorDetail,
    /** With several servers: the one that failed (the message names it too). */
    readonly server?: string,
  ) {
    super(message);
    this.name = "XuiError";
  }
}

/**
 * A change committed in several transactions that failed part-way: `applied` holds what was
 * committed (and recorded in the audit log); `notApplied` names every client left as it was.
 * The one error that is thrown after something was written.
 */
export class PartialError extends XuiError {
  constructor(
    readonly applied: OpResult,
    readonly notApplied: string[],
    readonly reason: unknown,
  ) {
    super("partial", PartialError.describe(applied, notApplied, reason), notApplied);
  }

  /** Names the audit entry that holds what was applied (undo of it reverts exactly that). */
  recordedAs(auditId: number): void {
    this.applied.auditId = auditId;
    this.message = PartialError.describe(this.applied, this.notApplied, this.reason);
  }

  private static describe(applied: OpResult, notApplied: string[], reason: unknown): string {
    const why = reason instanceof Error ? reason.message : String(reason);
    const undo = applied.auditId === undefined ? "" : `; undo of change #${applied.auditId} reverts what was applied`;
    return `partly applied: ${count(applied.changed.length, "client")} changed in ${count(applied.transactions, "transaction")}, ${notApplied.length} not changed (${why})${undo}`;
  }
}

export function badInput(field: string, value: unknown, why: string): XuiError {
  return new XuiError("bad-input", `${field}: ${JSON.stringify(value)} ${why}`, [field]);
}

/** A refused value with its reason as a code (the message is the English of it). */
export function invalidInput(field: string, value: unknown, code: InvalidCode, limit: string | number = ""): XuiError {
  const invalid: Invalid = { field, value, code, limit: String(limit) };
  return new XuiError("bad-input", badInput(field, value, INVALID_TEXTS[code](invalid.limit)).message, [field], invalid);
}
