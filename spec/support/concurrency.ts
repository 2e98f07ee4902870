import { defer } from 'rxjs';

/**
 * Async work for `job$` that tracks how many runs are in progress at once.
 *
 * @example
 * ```ts
 * const { seen, work } = concurrency();
 * job$('beat', 100, work).subscribe();
 * // later: expect(seen.most).to.equal(1)
 * ```
 */
export function concurrency(ms = 10) {
  const seen = { live: 0, most: 0, runs: 0 };
  const work = () =>
    defer(async () => {
      seen.live += 1;
      seen.runs += 1;
      seen.most = Math.max(seen.most, seen.live);
      await new Promise((resolve) => setTimeout(resolve, ms));
      seen.live -= 1;
    });
  return { seen, work };
}
