/** Small timing helpers shared by the scenarios. */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Monotonic milliseconds (fractional). */
export const now = (): number => performance.now();

/** Wall-clock epoch milliseconds with sub-millisecond precision, for comparing with a job's runAt. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Rejects with a message naming `what` unless `promise` settles within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `task(i)` for i = 0 … count − 1 with at most `concurrency` in flight, in order of i.
 * Rejects with the first failure after the tasks in flight settled.
 */
export async function inPool(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async () => {
    while (next < count && failure === null) {
      const i = next;
      next += 1;
      await task(i).catch((error: unknown) => {
        failure ??= error;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  if (failure !== null) throw failure;
}

/** A seeded pseudo-random generator (mulberry32) in [0, 1): the same instants for every adapter. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
