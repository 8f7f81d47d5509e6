// Why the service refused, in the admin's language, from the data the error carries (a refused
// value's `invalid`, its `detail`, its `subjects`, the `server` a fleet names): never by reading
// the English message, which is only the fallback for an error thrown without data (the CLI's
// and the API's own). What the panel or the system said is quoted as it is. HTML, escaped.
import type { ErrorDetail, RefusalDetail } from "../core/error-detail.js";
import { PartialError, XuiError } from "../core/errors.js";
import { esc } from "./html.js";
import type { Texts } from "./locales/en.js";

export function errorText(t: Texts, error: XuiError): string {
  const text = ownText(t, error);
  return error.server === undefined ? text : t.errors.onServer(esc(error.server), text);
}

/** A reason of any kind (a PartialError's, a server's part): an XuiError in words, else its message. */
export function reasonText(t: Texts, reason: unknown): string {
  if (reason instanceof XuiError) return errorText(t, reason);
  return esc(reason instanceof Error ? reason.message : String(reason));
}

/** Every string of a detail escaped (numbers as they are), for texts that take it whole. */
export function escaped<T extends object>(detail: T): T {
  const one = (v: unknown) => (typeof v === "string" ? esc(v) : v);
  return Object.fromEntries(Object.entries(detail).map(([k, v]) => [k, Array.isArray(v) ? v.map(one) : one(v)])) as T;
}

const isRefusal = (t: Texts, detail: ErrorDetail | undefined): detail is RefusalDetail => detail !== undefined && detail.kind in t.errors.refusal;

function ownText(t: Texts, error: XuiError): string {
  const e = t.errors;
  const d = error.detail;
  if (error.invalid) {
    const { field, value, code, limit } = error.invalid;
    return t.invalid(esc(t.fieldName(field)), esc(JSON.stringify(value)), t.invalidWhy[code](esc(limit)));
  }
  // A change none of several servers did: each server's own reason.
  if (d?.kind === "servers") return e.servers(d.failures.map((f) => e.onServer(esc(f.server), reasonText(t, f.error))));
  const subjects = esc(error.subjects.join(", "));
  const english = esc(error.message);
  switch (error.code) {
    case "bad-input":
      return isRefusal(t, d) ? (e.refusal[d.kind] as (r: RefusalDetail) => string)(escaped(d)) : english;
    case "busy":
      return t.busy;
    case "unknown-inbound":
      return t.unknownInbound(subjects);
    case "duplicate-email":
      return t.duplicateEmail(subjects);
    case "unknown-ref":
      return subjects ? t.unknownClients(subjects) : english;
    case "ambiguous-ref":
      if (d?.kind !== "ambiguous") return english;
      return e.ambiguous(d.matches.map(([ref, emails]) => e.ambiguousPart(esc(ref), esc(emails.join(", ")))));
    case "no-traffic-row":
      return e.noTrafficRow(subjects);
    case "read-only":
      return d?.kind === "read-only" ? e.readOnly(esc(d.path), e.readOnlyWhy[d.why](esc(d.said ?? ""))) : english;
    case "backup-failed":
      return d?.kind === "backup-failed" ? e.backupFailed(d.clients, esc(d.said)) : english;
    case "wrong-database":
      if (d?.kind !== "wrong-database") return english;
      return d.server === undefined ? e.wrongDatabase(d.change, esc(d.path ?? "?")) : e.wrongServer(d.change, esc(d.server));
    case "partial":
      return error instanceof PartialError ? t.partial(reasonText(t, error.reason), error.applied.auditId) : english;
    case "panel-unreachable":
      if (d?.kind === "status-timeout") return e.statusTimeout(d.ms);
      if (d?.kind !== "unreachable") return english;
      return e.unreachable(esc(d.where), e.unreachableWhy[d.why](esc(d.said ?? String(d.ms ?? "")))) + (d.maybeApplied ? e.maybeApplied : "");
    case "panel-auth":
      return d?.kind === "auth" ? e.auth[d.why](esc(d.where), esc(d.said ?? String(d.status ?? ""))) : english;
    case "panel-refused":
      if (d?.kind === "not-kept") return e.notKept(esc(d.email));
      return d?.kind === "panel-refused" ? e.panelRefused(esc(d.said)) : english;
    case "panel-invalid":
      if (d?.kind !== "invalid-answer") return english;
      return e.invalidAnswer(esc(d.where), e.invalidAnswerWhy[d.why](esc(d.version ?? String(d.status ?? "")))) + (d.maybeApplied ? e.maybeApplied : "");
    default:
      return unhandled(error.code);
  }
}

/** A new XuiErrorCode fails to compile here until it has its case above. */
function unhandled(code: never): string {
  return String(code);
}
