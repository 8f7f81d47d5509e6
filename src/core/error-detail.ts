// What a face needs to say an XuiError in its own language, as data set where it is thrown:
// the English `message` stays the CLI's, the API's and the logs' wording, and no face parses it.
// `said` is always text from outside this project (the panel's msg, the OS's error), which a
// face quotes as it is.

/** Why the panel's HTTP API did not answer (panel-unreachable). */
export type UnreachableWhy =
  | "timeout" // no answer within `ms`
  | "tls" // a certificate this tool does not trust; `said` is the TLS code
  | "refused" // connection refused
  | "no-host" // the host name does not resolve
  | "failed"; // any other transport failure; `said` is its code or message

/** How a transport error's code reads as an UnreachableWhy (TLS codes aside: a caller tells those). */
export const unreachableWhyOf = (code: string): UnreachableWhy => (code === "ECONNREFUSED" ? "refused" : code === "ENOTFOUND" ? "no-host" : "failed");

/** Why the panel refused to let this tool in (panel-auth). */
export type AuthWhy =
  | "token" // the API token, with HTTP `status`
  | "relogin" // a call right after a new login, with HTTP `status`
  | "login" // the username and password; `said` is the panel's msg
  | "csrf" // the login's CSRF token
  | "two-factor"; // the account asks for a 2FA code

/** How the panel's answer is not 3x-ui's (panel-invalid). */
export type InvalidAnswerWhy =
  | "not-found" // HTTP 404: the URL's base path
  | "redirect" // HTTP 3xx, `status`
  | "server-error" // HTTP 5xx, `status`
  | "status" // any other HTTP `status`
  | "not-json"
  | "no-envelope" // JSON without {success, msg, obj}
  | "bad-body" // an obj of the wrong shape
  | "too-big"
  | "no-csrf" // no session and CSRF token at csrf-token (not 3.x)
  | "no-cookie" // a login without a session cookie (not 2.x)
  | "no-version" // no version on the login page
  | "no-status-yet" // the panel just started and has no status yet
  | "too-old"; // 3x-ui `version` before 3.1 without a local file

/** Why a database cannot be written (read-only). */
export type ReadOnlyWhy =
  | "layout" // not a 3x-ui 2.x layout this tool edits; `said` is what was found
  | "v3-no-api" // a 3x-ui 3.x file without the panel's API configured
  | "not-writable" // file permissions; `said` is the OS's message
  | "opened-read-only" // XUI_READONLY or a read-only handle
  | "no-file"
  | "not-sqlite" // `said` is SQLite's message
  | "remote-mirror" // sync of a remote panel's mirror
  | "newer-bot-file"; // the bot's own file is from a newer version

/** Why an inbound cannot give its clients a flow, in English; `found` is what it has instead. */
export const FLOW_TEXTS = {
  "vless-only": (found: string) => `flow is for VLESS only, this inbound is ${found}`,
  unreadable: () => "its stream_settings cannot be read",
  transport: (found: string) => `flow needs the TCP transport, this inbound uses ${found}`,
  security: (found: string) => `flow needs TLS or REALITY, this inbound has ${found}`,
} satisfies Record<string, (found: string) => string>;

export type FlowWhy = keyof typeof FLOW_TEXTS;

/** Why a typed or chosen thing was refused (bad-input without a refused value). */
export type RefusalDetail =
  | { kind: "unknown-servers"; names: string[]; configured: string[] }
  | { kind: "one-server"; what: "create" | "inbound" | "sync" | "backup"; configured: string[] }
  | { kind: "no-client" }
  | { kind: "nothing-to-edit" }
  | { kind: "days-or-first-use" }
  | { kind: "one-inbound-v2" }
  | { kind: "no-client-accounting"; inbound: number; protocol: string }
  | { kind: "unreadable-settings"; inbound: number; said: string }
  | { kind: "keep-traffic-v2" }
  | { kind: "flow-refused"; flow: string; inbound: number; why: FlowWhy; found: string }
  | { kind: "email-one-client"; clients: number }
  | { kind: "unknown-filter"; text: string };

export type ErrorDetail =
  | RefusalDetail
  | { kind: "unreachable"; where: string; why: UnreachableWhy; ms?: number; said?: string; maybeApplied?: boolean }
  /** A server's status that did not come within `ms` (its own name is the error's server). */
  | { kind: "status-timeout"; ms: number }
  | { kind: "auth"; where: string; why: AuthWhy; status?: number; said?: string }
  /** The panel answered success:false; `said` is its msg ("" when it gave none). */
  | { kind: "panel-refused"; said: string }
  /** The panel said yes but the client is not there when read back. */
  | { kind: "not-kept"; email: string }
  | { kind: "invalid-answer"; where: string; why: InvalidAnswerWhy; status?: number; version?: string; maybeApplied?: boolean }
  | { kind: "read-only"; path: string; why: ReadOnlyWhy; said?: string }
  | { kind: "backup-failed"; clients: number; said: string }
  /** An undo of change `change` recorded on another file (`path`) or on an unconfigured `server`. */
  | { kind: "wrong-database"; change: number; path?: string; server?: string }
  /** Each ambiguous reference with the emails it matches. */
  | { kind: "ambiguous"; matches: [string, string[]][] }
  /** A change none of several servers did: each server's own error. */
  | { kind: "servers"; failures: ServerFailure[] };

/** One server's failure inside a change over several. */
export interface ServerFailure {
  server: string;
  error: unknown;
}
