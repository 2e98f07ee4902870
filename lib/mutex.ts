import { Observable } from 'rxjs';
import { waitForLease, type LockTarget } from './acquire.js';
import { track, type ClusterContext } from './context.js';
import { ClusterError, LockNotHeldError, LockTimeoutError } from './errors.js';
import { HeldLease, type Lease, type LeaseTiming } from './lease.js';
import { assertFunction, assertKey, assertOptions, assertPositiveMs, describe } from './validate.js';

/** Options of `mutex(key, options)`. */
export interface MutexOptions {
  /**
   * Ms a lock lives without a refresh: a crashed holder's lock frees itself after this.
   * @default 15_000
   */
  ttl?: number;
  /**
   * Ms between refreshes of a held lock; less than `ttl`.
   * @default ttl / 2
   */
  refreshInterval?: number;
}

/** Options of `Mutex#lock()` and `Mutex#runExclusive()`. */
export interface LockOptions {
  /** Aborting it stops waiting: `lock()` rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Ms to wait at most; then `lock()` rejects with `LockTimeoutError`. */
  timeout?: number;
}

/**
 * A cluster-wide lock on one key. At most one holder per key and namespace, on any instance.
 *
 * @example
 * ```ts
 * const m = mutex('nightly-report', { ttl: 30_000 });
 * const lease = await m.lock();
 * try { await buildReport({ fence: lease.fence }); } finally { await m.unlock(); }
 * ```
 */
export interface Mutex {
  readonly key: string;
  /**
   * Waits until this instance holds the lock; woken within milliseconds of a release.
   * Store failures while waiting are logged and retried; they never reject it.
   *
   * @example
   * ```ts
   * const lease = await m.lock({ timeout: 5_000, signal: AbortSignal.timeout(10_000) });
   * ```
   */
  lock(options?: LockOptions): Promise<Lease>;
  /**
   * One attempt: the lease, or null if the lock is held. Rejects if the store fails.
   *
   * @example
   * ```ts
   * const lease = await m.tryLock();
   * if (lease) { try { await work(); } finally { await m.unlock(); } }
   * ```
   */
  tryLock(): Promise<Lease | null>;
  /**
   * Releases the lease taken by `lock()` or `tryLock()` (with several callers of one Mutex,
   * the oldest not yet unlocked). Throws `LockNotHeldError` synchronously if this Mutex does
   * not hold one. A store failure is logged; the lock then expires after `ttl`. A lease that
   * was lost is just forgotten.
   *
   * @example
   * ```ts
   * await m.lock(); await m.unlock();
   * ```
   */
  unlock(): Promise<void>;
  /**
   * Cold: acquires on subscribe, emits the lease once and holds it (refreshed) until
   * unsubscribed, then releases. Errors with `LockLostError` if the lease is lost; completes
   * if the cluster closes.
   *
   * @example
   * ```ts
   * m.lock$().pipe(switchMap((lease) => interval(1_000))).subscribe();
   * ```
   */
  lock$(): Observable<Lease>;
  /**
   * Locks, runs `fn`, unlocks (also when `fn` throws), and returns what `fn` returned.
   *
   * @example
   * ```ts
   * const total = await m.runExclusive(async (lease) => ledger.sum({ fence: lease.fence }));
   * ```
   */
  runExclusive<T>(fn: (lease: Lease) => T | Promise<T>, options?: LockOptions): Promise<T>;
}

/** Checks mutex options and fills in the defaults. */
export function leaseTiming(options: MutexOptions | undefined): LeaseTiming {
  assertOptions('options', options);
  const ttl = options?.ttl ?? 15_000;
  assertPositiveMs('ttl', ttl);
  const refreshInterval = options?.refreshInterval ?? ttl / 2;
  assertPositiveMs('refreshInterval', refreshInterval);
  if (refreshInterval >= ttl) {
    throw new RangeError(
      `Expected \`refreshInterval\` to be less than \`ttl\` (${ttl}), got ${describe(refreshInterval)}`,
    );
  }
  return { ttl, refreshInterval };
}

function checkLockOptions(options: LockOptions | undefined): void {
  assertOptions('options', options);
  if (options?.timeout !== undefined) assertPositiveMs('timeout', options.timeout);
  if (options?.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${describe(options.signal)}`);
  }
}

/**
 * Builds the Mutex on `key` of one cluster (bound as `cluster.mutex`).
 *
 * @example
 * ```ts
 * const m = createMutex(context, 'report', { ttl: 30_000 });
 * ```
 */
export function createMutex(context: ClusterContext, key: string, options?: MutexOptions): Mutex {
  assertKey('key', key);
  const timing = leaseTiming(options);
  const target: LockTarget = { key, storeKey: key, storeNamespace: context.namespace };
  /**
   * Leases taken by `lock()` and `tryLock()` and not yet unlocked, oldest first. At most one
   * is live; the others were lost while their callers still worked. `unlock()` ends the
   * oldest, so a caller whose lease was lost can never release the live lease that a later
   * `lock()` on this same Mutex won.
   */
  const taken: HeldLease[] = [];

  const closedError = () => new ClusterError(`The cluster is closed; cannot lock \`${key}\``, { key });

  /** One attempt: the lease, or null when the lock is held. Rejects if the store fails. */
  const attemptOnce = (): Promise<HeldLease | null> => {
    const owner = context.newToken();
    const sentAt = context.scheduler.now();
    return track(context, context.store.acquire(context.namespace, key, owner, timing.ttl)).then(({ fence }) =>
      fence > 0 ? new HeldLease(context, key, key, context.namespace, owner, fence, timing, sentAt) : null,
    );
  };

  /** Waits for the lock until it is won, `signal` aborts, `timeout` ms pass or the cluster closes. */
  const wait = (signal?: AbortSignal, timeout?: number) =>
    new Promise<HeldLease>((resolve, reject) => {
      const fail = (error: unknown) => {
        finish();
        reject(error);
      };
      const onAbort = () => fail(signal!.reason);
      const onClose = () => fail(closedError());
      const timer =
        timeout === undefined ? null : context.scheduler.schedule(() => fail(new LockTimeoutError(key, timeout)), Math.max(0, timeout));
      const waiting = waitForLease(context, target, timing).subscribe((lease) => {
        finish();
        resolve(lease);
      });
      function finish() {
        waiting?.unsubscribe();
        timer?.unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        context.closed.removeEventListener('abort', onClose);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      context.closed.addEventListener('abort', onClose, { once: true });
    });

  // validated by the callers, synchronously
  const acquire = (lockOptions?: LockOptions): Promise<HeldLease> => {
    const { signal, timeout } = lockOptions ?? {};
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (context.closed.aborted) return Promise.reject(closedError());
    // a signal or timeout must hold from the first attempt on: a store that stalls (commands
    // queued while Redis is unreachable) would otherwise keep the first attempt pending
    if (signal || timeout !== undefined) return wait(signal, timeout);
    // an uncontended lock costs one round trip and nothing more; waiting starts only if it is held
    // (a store failure here is retried, and reported, by the waiting that follows)
    const settle = (lease: HeldLease | null): HeldLease | Promise<HeldLease> => {
      if (!lease) {
        if (context.closed.aborted) throw closedError();
        return wait();
      }
      if (context.closed.aborted) {
        void lease.release();
        throw closedError();
      }
      return lease;
    };
    return attemptOnce().then(settle, () => settle(null));
  };

  return {
    key,

    lock(lockOptions) {
      checkLockOptions(lockOptions);
      return acquire(lockOptions).then((lease) => {
        taken.push(lease);
        return lease;
      });
    },

    async tryLock() {
      if (context.closed.aborted) throw closedError();
      const lease = await attemptOnce();
      if (lease) taken.push(lease);
      return lease;
    },

    unlock() {
      const lease = taken.shift();
      if (!lease) throw new LockNotHeldError(key);
      return lease.release();
    },

    lock$() {
      return new Observable<Lease>((subscriber) => {
        if (context.closed.aborted) {
          subscriber.complete();
          return undefined;
        }
        let lease: HeldLease | null = null;
        const waiting = waitForLease(context, target, timing).subscribe((won) => {
          lease = won;
          won.onEnd((end) => (end.lost ? subscriber.error(end.error) : subscriber.complete()));
          if (!won.isOver) subscriber.next(won);
        });
        const onClose = () => subscriber.complete();
        context.closed.addEventListener('abort', onClose, { once: true });
        return () => {
          context.closed.removeEventListener('abort', onClose);
          waiting.unsubscribe();
          void lease?.release();
        };
      });
    },

    runExclusive(fn, lockOptions) {
      assertFunction('fn', fn);
      checkLockOptions(lockOptions);
      return acquire(lockOptions).then(async (lease) => {
        try {
          return await fn(lease);
        } finally {
          await lease.release();
        }
      });
    },
  };
}
