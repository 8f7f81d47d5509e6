// Why Xray was not restarted, as data set where the restart failed: the English message stays
// the API's and the logs' wording, and the bot says this in the admin's language without
// parsing it. `command`, `url` and `said` are foreign text (the admin's command line, the
// panel's address, what the command or the panel said), which a face quotes as it is.
import type { UnreachableWhy } from "../core/error-detail.js";

export type ApplyFailure =
  /** The command could not be started at all; `said` is the OS's code (ENOENT, EACCES). */
  | { kind: "command-not-started"; command: string; said: string }
  /** The command ended with `exitCode`, or a `signal` stopped it; `said` is its first line of stderr ("" if none). */
  | { kind: "command-failed"; command: string; exitCode?: number; signal?: string; said: string }
  /** The command ran past XUI_APPLY_TIMEOUT_MS and was stopped. */
  | { kind: "command-timeout"; command: string; ms: number }
  /** The panel did not answer; `said` is the transport's code or message. */
  | { kind: "panel-unreachable"; url: string; why: UnreachableWhy; ms?: number; said?: string }
  /** The panel refused the login; `said` is its msg ("" if none), `status` its HTTP status. */
  | { kind: "panel-login"; url: string; said: string; status: number }
  /** The panel refused to restart Xray; `said` is its msg ("" if none), `status` its HTTP status. */
  | { kind: "panel-restart"; url: string; said: string; status: number };

/** A failed restart: its English message and its reason as data. */
export class ApplyError extends Error {
  constructor(
    message: string,
    readonly reason: ApplyFailure,
  ) {
    super(message);
    this.name = "ApplyError";
  }
}
