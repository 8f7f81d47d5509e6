// Errors a front end can explain to a person. Each names the input at fault; whenever one is
// thrown, nothing has been written.

export type XuiErrorCode =
  | "bad-input" // a value a person typed is malformed or out of range
  | "unknown-ref" // one or more references match no client
  | "ambiguous-ref" // a reference matches more than one client
  | "unknown-inbound"
  | "duplicate-email"
  | "read-only" // the database cannot be edited safely (layout, version, permissions)
  | "busy" // the database stayed locked past the retry budget
  | "no-traffic-row" // a JSON client without its client_traffics row: run sync first
  | "backup-failed"; // the backup a big change needs could not be taken

export class XuiError extends Error {
  constructor(
    readonly code: XuiErrorCode,
    message: string,
    /** The offending inputs, e.g. every unknown reference. */
    readonly subjects: string[] = [],
  ) {
    super(message);
    this.name = "XuiError";
  }
}

export function badInput(field: string, value: unknown, why: string): XuiError {
  return new XuiError("bad-input", `${field}: ${JSON.stringify(value)} ${why}`, [field]);
}
