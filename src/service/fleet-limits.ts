// The fleet's limits: how many servers are spoken to at once, and how long one may take.

/** Servers worked on at once: ten servers answer in the time of the slowest three, not of ten. */
export const SERVER_CONCURRENCY = 4;

/** Every remote call's time limit unless SERVER_TIMEOUT_MS says otherwise (as panel-env's). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Runs `work` on every item, at most `limit` at once; settles all, in the items' order. */
export async function eachLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await work(items[i] as T) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
