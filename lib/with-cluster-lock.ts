import type { MonoTypeOperatorFunction } from 'rxjs';
import { waitForLease, type LockTarget } from './acquire.js';
import type { ClusterContext } from './context.js';
import { lockGate } from './lock-gate.js';
import { leaseTiming, type MutexOptions } from './mutex.js';
import { assertKey, describe } from './validate.js';

/** Options of `withClusterLock(key, options)`. */
export interface WithClusterLockOptions extends MutexOptions {
  /**
   * What to do when the lease is lost: wait for the lock again and resubscribe, or error
   * with `LockLostError`. Either way the source is unsubscribed at once.
   * @default 'reacquire'
   */
  onLost?: 'reacquire' | 'error';
}

/**
 * Builds `cluster.withClusterLock`: an operator that subscribes to its source only while this
 * instance holds the cluster-wide lock on `key` (the same lock as `mutex(key)`).
 *
 * On subscribe it waits for the lock, then mirrors the source. The source completes or
 * errors → the lock is released, then the completion or error is passed on. Unsubscribing
 * releases. The lease is lost → the source is unsubscribed at once, then the lock is waited
 * for again and the source resubscribed (`onLost: 'reacquire'`), or the stream errors with
 * `LockLostError` (`onLost: 'error'`). Completes when the cluster closes. Several
 * subscriptions to one key, on this instance or others, take turns.
 *
 * @example
 * ```ts
 * interval(60_000).pipe(withClusterLock('cleanup'), concatMap(() => cleanup())).subscribe();
 * ```
 */
export function createWithClusterLock(
  context: ClusterContext,
): <T>(key: string, options?: WithClusterLockOptions) => MonoTypeOperatorFunction<T> {
  return <T>(key: string, options?: WithClusterLockOptions): MonoTypeOperatorFunction<T> => {
    assertKey('key', key);
    const timing = leaseTiming(options);
    const onLost = options?.onLost ?? 'reacquire';
    if (onLost !== 'reacquire' && onLost !== 'error') {
      throw new TypeError(`Expected \`onLost\` to be 'reacquire' or 'error', got ${describe(onLost)}`);
    }
    const target: LockTarget = { key, storeKey: key, storeNamespace: context.namespace };
    return (source) => lockGate(source, () => waitForLease(context, target, timing), onLost, context.closed);
  };
}
