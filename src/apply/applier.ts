// Making the running panel pick up a change (XUI_APPLY). The panel's UI sees a direct edit at
// once; the running Xray only after a restart, which only some changes need: an unblock, a
// new client, more days or traffic that re-activate a client, and a block (the panel does not
// drop a blocked client from a running Xray by itself).
import type { OpResult } from "../core/types.js";
import { commandRestarter } from "./command.js";
import { PanelClient } from "./panel-client.js";
import { ApplyScheduler, type ApplyOutcome, type ApplyStatus } from "./scheduler.js";

/** How restarts are timed: a burst shares one, its first change waiting at most maxWaitMs. */
interface ApplyTiming {
  debounceMs: number;
  maxWaitMs: number;
  timeoutMs: number;
}

export type ApplySettings =
  | { mode: "none" }
  | ({ mode: "command"; command: string } & ApplyTiming)
  | ({ mode: "panel"; url: string; username: string; password: string } & ApplyTiming);

export interface ApplyRequest {
  status: ApplyStatus;
  /** Resolves when the scheduled restart ran (pending requests only). */
  outcome?: Promise<ApplyOutcome>;
}

export interface Applier {
  /** How long changes are gathered before one restart, ms. */
  debounceMs: number;
  request(result: OpResult): ApplyRequest;
  /** Runs a scheduled restart now (graceful stop). */
  flush(): Promise<void>;
}

const NOT_NEEDED: ApplyRequest = { status: { status: "not-needed", message: "the panel enforces this change by itself" } };

export function createApplier(settings: ApplySettings): Applier {
  if (settings.mode === "none") {
    return {
      debounceMs: 0,
      request: (r) => (r.needsApply && !r.dryRun ? { status: { status: "manual", message: "Xray picks this change up at its next restart (x-ui restart-xray)" } } : NOT_NEEDED),
      flush: () => Promise.resolve(),
    };
  }
  const restart =
    settings.mode === "command"
      ? commandRestarter(settings.command, settings.timeoutMs)
      : ((client) => () => client.restartXray())(new PanelClient(settings));
  const scheduler = new ApplyScheduler(restart, settings.debounceMs, settings.maxWaitMs);
  return {
    debounceMs: settings.debounceMs,
    request: (r) => {
      if (!r.needsApply || r.dryRun) return NOT_NEEDED;
      const seconds = Math.round(settings.debounceMs / 1000);
      return { status: { status: "pending", message: `Xray restarts in ${seconds} s (changes made meanwhile share that restart)` }, outcome: scheduler.request() };
    },
    flush: () => scheduler.flush(),
  };
}

/** The final status of a pending request, for a caller that waits. */
export function settled(outcome: ApplyOutcome): ApplyStatus {
  return outcome.ok ? { status: "done", message: "Xray restarted: the change is live" } : { status: "failed", message: `Xray was not restarted: ${outcome.error}` };
}
