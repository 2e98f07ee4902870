/**
 * Resolves once `condition` holds (polled every few ms), or rejects naming `what` after
 * `timeout` ms: tests wait for a condition with a deadline, never for a fixed sleep.
 *
 * @example
 * ```ts
 * await waitFor('the second instance to hold the lock', () => holder === 'b');
 * ```
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeout = 5_000,
  every = 5,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** Rejects if `promise` has not settled within `ms`: for asserting that something happens promptly. */
export function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Resolves `true` if `promise` settles within `ms`, else `false`: for asserting that something still waits. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout;
  const settled = promise.then(() => true, () => true);
  const waited = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([settled, waited]).finally(() => clearTimeout(timer));
}
