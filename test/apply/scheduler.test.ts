// The restart debounce against a fake clock: bursts share one restart, and a steady stream of
// changes cannot put the restart off for longer than the maximum wait.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApplyScheduler } from "../../src/apply/scheduler.js";

const DEBOUNCE = 10_000;
const MAX_WAIT = 30_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A scheduler whose restarts record when they ran, and a request that records how long it waited. */
function scheduler() {
  const restarts: number[] = [];
  const waits: number[] = [];
  const s = new ApplyScheduler(() => {
    restarts.push(Date.now());
    return Promise.resolve();
  }, DEBOUNCE, MAX_WAIT);
  const request = () => {
    const asked = Date.now();
    void s.request().then(() => waits.push(Date.now() - asked));
  };
  return { restarts, waits, request };
}

describe("ApplyScheduler", () => {
  it("a burst shares one restart, debounce after its last change", async () => {
    const { restarts, waits, request } = scheduler();
    const start = Date.now();
    request();
    await vi.advanceTimersByTimeAsync(3_000);
    request();
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 1);
    expect(restarts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(restarts).toEqual([start + 3_000 + DEBOUNCE]);
    expect(waits).toEqual([3_000 + DEBOUNCE, DEBOUNCE]);
  });

  it("changes every debounce/2 for two minutes: a restart at least every max wait", async () => {
    const { restarts, waits, request } = scheduler();
    const start = Date.now();
    for (let t = 0; t < 120_000; t += DEBOUNCE / 2) {
      request();
      await vi.advanceTimersByTimeAsync(DEBOUNCE / 2);
    }
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    // Every change waited at most the maximum, and every one got its restart.
    expect(waits).toHaveLength(120_000 / (DEBOUNCE / 2));
    expect(Math.max(...waits)).toBeLessThanOrEqual(MAX_WAIT);
    // Restarts came every max wait, not more often: the stream still shares them.
    expect(restarts.map((at) => at - start)).toEqual([30_000, 60_000, 90_000, 120_000]);
  });

  it("flush runs a scheduled restart at once", async () => {
    const s = new ApplyScheduler(() => Promise.resolve(), DEBOUNCE, MAX_WAIT);
    const outcome = s.request();
    await s.flush();
    expect(await outcome).toEqual({ ok: true, at: Date.now() });
  });
});
