// Coalesces bursts of changes into one Xray restart: every restart drops live connections,
// so ten quick edits must cost one restart, not ten. A steady stream of changes must not put
// the restart off for ever, though: the first change of a burst waits at most maxWaitMs.
import { ApplyError, type ApplyFailure } from "./apply-failure.js";

/** A failure's `error` is English (the API's and the logs'); `reason`, when known, is the same as data. */
export type ApplyOutcome = { ok: true; at: number } | { ok: false; error: string; reason?: ApplyFailure };

export interface ApplyStatus {
  status: "not-needed" | "manual" | "pending" | "done" | "failed";
  message: string;
}

export class ApplyScheduler {
  private timer: NodeJS.Timeout | undefined;
  private waiting: ((o: ApplyOutcome) => void)[] = [];
  /** When the oldest request still waiting was made (Date.now()), if any waits. */
  private burstStart: number | undefined;
  private running: Promise<void> | undefined;
  last: ApplyOutcome | undefined;

  constructor(
    private readonly restart: () => Promise<void>,
    readonly debounceMs: number,
    readonly maxWaitMs: number,
  ) {}

  /**
   * Schedules a restart (or joins the one scheduled); resolves when it has run. Each request
   * moves the restart to debounceMs from now, but never past maxWaitMs after the burst began.
   */
  request(): Promise<ApplyOutcome> {
    const outcome = new Promise<ApplyOutcome>((resolve) => this.waiting.push(resolve));
    const now = Date.now();
    this.burstStart ??= now;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.fire(), Math.max(0, Math.min(this.debounceMs, this.burstStart + this.maxWaitMs - now)));
    return outcome;
  }

  private async fire(): Promise<void> {
    // One restart at a time; requests that arrive meanwhile get the next one.
    await this.running;
    const waiting = this.waiting.splice(0);
    if (waiting.length === 0) return;
    this.burstStart = undefined;
    this.running = this.restart().then(
      () => {
        this.last = { ok: true, at: Date.now() };
      },
      (error: unknown) => {
        this.last = { ok: false, error: error instanceof Error ? error.message : String(error), ...(error instanceof ApplyError ? { reason: error.reason } : {}) };
      },
    );
    await this.running;
    this.running = undefined;
    for (const resolve of waiting) resolve(this.last as ApplyOutcome);
  }

  /** Runs what is scheduled now (graceful stop), without waiting out the debounce. */
  async flush(): Promise<void> {
    if (this.waiting.length === 0) return;
    clearTimeout(this.timer);
    await this.fire();
  }
}
