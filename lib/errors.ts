/**
 * The base class of every error rx-cluster raises on purpose.
 *
 * @example
 * ```ts
 * try { await mutex('report').lock({ timeout: 1_000 }); }
 * catch (error) { if (error instanceof ClusterError) console.warn(error.name, error.key); }
 * ```
 */
export class ClusterError extends Error {
  /** The lock or job key the error is about, where one applies. */
  readonly key: string | undefined;

  constructor(message: string, options: { key?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClusterError';
    this.key = options.key;
  }
}

/**
 * `unlock()` was called on a `Mutex` that does not hold its lock.
 *
 * @example
 * ```ts
 * const m = mutex('report');
 * try { m.unlock(); } catch (error) { console.log(error instanceof LockNotHeldError); } // true
 * ```
 */
export class LockNotHeldError extends ClusterError {
  constructor(key: string) {
    super(`Lock \`${key}\` is not held by this Mutex`, { key });
    this.name = 'LockNotHeldError';
  }
}

/**
 * A held lease was lost: its lock expired or was taken before it could be refreshed.
 *
 * @example
 * ```ts
 * const lease = await mutex('report').lock();
 * lease.signal.addEventListener('abort', () => console.log(lease.signal.reason instanceof LockLostError));
 * ```
 */
export class LockLostError extends ClusterError {
  constructor(key: string, reason: string, cause?: unknown) {
    super(`Lock \`${key}\` was lost: ${reason}`, { key, cause });
    this.name = 'LockLostError';
  }
}

/**
 * `lock({ timeout })` gave up before the lock became free.
 *
 * @example
 * ```ts
 * await mutex('report').lock({ timeout: 500 }).catch((e) => e instanceof LockTimeoutError);
 * ```
 */
export class LockTimeoutError extends ClusterError {
  constructor(key: string, timeout: number) {
    super(`Timed out after ${timeout} ms waiting for lock \`${key}\``, { key });
    this.name = 'LockTimeoutError';
  }
}

/**
 * `once.schedule()` was given a key that is already scheduled.
 *
 * @example
 * ```ts
 * await once.schedule('remind-42', Date.now() + 60_000).catch((e) => e instanceof JobExistsError);
 * ```
 */
export class JobExistsError extends ClusterError {
  constructor(key: string) {
    super(`Job \`${key}\` is already scheduled`, { key });
    this.name = 'JobExistsError';
  }
}
