import type { MonoTypeOperatorFunction } from 'rxjs';
import type { ClusterContext } from './context.js';
import type { MutexOptions } from './mutex.js';

/** Options of `withClusterLock(key, options)`. */
export interface WithClusterLockOptions extends MutexOptions {
  /**
   * What to do when the lease is lost: wait for the lock again and resubscribe, or error.
   * @default 'reacquire'
   */
  onLost?: 'reacquire' | 'error';
}

/** Builds `cluster.withClusterLock`. */
export function createWithClusterLock(
  context: ClusterContext,
): <T>(key: string, options?: WithClusterLockOptions) => MonoTypeOperatorFunction<T> {
  void context;
  return () => {
    throw new Error('withClusterLock is not implemented yet');
  };
}
