// The job that feeds the usage history: a sample at start, then one every USAGE_SAMPLE_MIN
// minutes, for as long as the bot runs. The clients come from a function (the service's read),
// so this file knows no panel.
import type { ClientCounters, SampleResult, UsageHistory } from "./usage-history.js";

/** USAGE_SAMPLE_MIN's default. */
export const USAGE_SAMPLE_MIN = 15;

export interface SamplerOptions {
  history: UsageHistory;
  server: string;
  /** Every client's counters now. */
  read: () => readonly ClientCounters[];
  everyMs: number;
  now?: () => number;
  /** A failed sample (the panel's file busy or missing a while): the next one tries again. */
  onError: (error: unknown) => void;
}

export interface UsageSampler {
  /** Takes one sample as of `at` (default: now); undefined when it failed (see onError). */
  sample(at?: number): SampleResult | undefined;
  stop(): void;
}

export function startUsageSampler(options: SamplerOptions): UsageSampler {
  const now = options.now ?? Date.now;
  const sample = (at = now()): SampleResult | undefined => {
    try {
      return options.history.sample(options.server, options.read(), at);
    } catch (error) {
      options.onError(error);
      return undefined;
    }
  };
  sample();
  const timer = setInterval(() => void sample(), options.everyMs);
  // A pending sample never keeps a stopping process alive.
  timer.unref();
  return { sample, stop: () => clearInterval(timer) };
}
