/** The first wait after a store failure, in ms. */
export const MIN_BACKOFF = 1_000;
/** The longest wait between retries, in ms. */
export const MAX_BACKOFF = 300_000;
/** At most this much random delay is added, so that instances do not retry in step. */
export const JITTER = MIN_BACKOFF / 2;

/**
 * How long to wait before retrying after `failures` store failures in a row: about 1 s,
 * doubling up to 5 min, plus up to 0.5 s of jitter (Mattermost's mutex policy).
 *
 * @example
 * ```ts
 * backoffDelay(1, () => 0); // 1000
 * backoffDelay(3, () => 0.5); // 4250
 * ```
 */
export function backoffDelay(failures: number, random: () => number = Math.random): number {
  const base = Math.min(MIN_BACKOFF * 2 ** Math.max(0, failures - 1), MAX_BACKOFF);
  return Math.round(base + random() * JITTER);
}
