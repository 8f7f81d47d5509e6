// Every error the API answers has one JSON shape, {error, code, subjects, request_id}, whether
// it comes from the service, from SQLite, from routing or from a middleware; and every
// server-side failure is logged under the request ID the client got back.
import type { Context, Env, ErrorHandler, Input } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "../log.js";
import { PartialError, XuiError, type XuiErrorCode } from "../core/errors.js";

export type ApiErrorCode = XuiErrorCode | "unauthorized" | "unknown-route" | "method-not-allowed" | "body-too-large" | "internal";

const STATUS: Record<XuiErrorCode, ContentfulStatusCode> = {
  "bad-input": 400,
  "unknown-ref": 404,
  "ambiguous-ref": 400,
  "unknown-inbound": 404,
  "duplicate-email": 409,
  "read-only": 409,
  busy: 503,
  "no-traffic-row": 409,
  "backup-failed": 503,
  "wrong-database": 409,
  // Some transactions committed, a later one failed: the body says what was applied.
  partial: 500,
  // The panel behind this tool failed us: a gateway's statuses. Refused is the panel's own
  // "no" to a change (its state conflicts), not a fault of either side.
  "panel-unreachable": 503,
  "panel-auth": 502,
  "panel-refused": 409,
  "panel-invalid": 502,
};

/** A busy database clears within seconds: a client may try again after this many. */
const RETRY_AFTER_S = "1";

export function fail<E extends Env, P extends string, I extends Input>(
  c: Context<E, P, I>,
  status: ContentfulStatusCode,
  code: ApiErrorCode,
  error: string,
  subjects: string[],
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Response {
  return c.json({ error, code, subjects, request_id: c.get("requestId"), ...extra }, status, headers);
}

export function errorHandler(logger: Logger): ErrorHandler {
  return (error, c) => {
    const requestId = c.get("requestId");
    const known = error instanceof XuiError ? error : null;
    if (!known) {
      logger.error({ err: error, requestId, method: c.req.method, path: c.req.path }, "api request failed");
      return fail(c, 500, "internal", `internal error; the server log has the details under request ${requestId}`, []);
    }
    const status = STATUS[known.code];
    if (status >= 500) logger.warn({ requestId, method: c.req.method, path: c.req.path, code: known.code, reason: known.message }, "api request refused");
    // A change that failed part-way answers with what it applied and what it did not.
    const extra = known instanceof PartialError ? { applied: known.applied, not_applied: known.notApplied } : {};
    return fail(c, status, known.code, known.message, known.subjects, known.code === "busy" ? { "Retry-After": RETRY_AFTER_S } : {}, extra);
  };
}
