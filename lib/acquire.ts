import { Observable, type Subscription } from 'rxjs';
import { reportStoreError, track, type ClusterContext } from './context.js';
import { HeldLease, type LeaseTiming } from './lease.js';

/** Which lock to take: `key` is what users see, `storeKey` in `storeNamespace` what the store keys. */
export interface LockTarget {
  key: string;
  storeKey: string;
  storeNamespace: string;
}

/** Ms added to the holder's remaining ttl before retrying, so the retry finds it expired. */
const EXPIRY_MARGIN = 2;

/**
 * Waits for a lock and emits the lease once, then completes. The first attempt needs no
 * subscription, so an uncontended lock costs one round trip. When the lock is held it
 * subscribes to release notifications and THEN retries once (no lost wake-up), retries on
 * every release, and never waits longer than the holder's remaining ttl (a lost message
 * costs one ttl, not forever). Store failures are reported and retried with back-off; they
 * never error the Observable. Unsubscribing stops waiting; a lock won meanwhile is released.
 *
 * @example
 * ```ts
 * waitForLease(context, { key: 'a', storeKey: 'a', storeNamespace: 'app' }, { ttl: 15_000, refreshInterval: 7_500 })
 *   .subscribe((lease) => console.log(lease.fence));
 * ```
 */
export function waitForLease(context: ClusterContext, target: LockTarget, timing: LeaseTiming): Observable<HeldLease> {
  const { store, scheduler } = context;
  return new Observable<HeldLease>((subscriber) => {
    let stopped = false;
    let inFlight = false;
    let again = false;
    let failures = 0;
    let warned = false;
    let retry: Subscription | null = null;
    let notices: Subscription | null = null;

    const stop = () => {
      stopped = true;
      retry?.unsubscribe();
      notices?.unsubscribe();
    };
    const retryIn = (delay: number) => {
      retry?.unsubscribe();
      retry = scheduler.schedule(attempt, delay);
    };
    const listen = () => {
      notices ??= store.released(target.storeNamespace, target.storeKey).subscribe(attempt);
    };

    function attempt(): void {
      if (stopped) return;
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      again = false;
      const owner = context.newToken();
      const sentAt = scheduler.now();
      track(context, store.acquire(target.storeNamespace, target.storeKey, owner, timing.ttl)).then(
        ({ fence, ttlLeft }) => {
          inFlight = false;
          failures = 0;
          if (fence > 0) {
            const lease = new HeldLease(context, target.key, target.storeKey, target.storeNamespace, owner, fence, timing, sentAt);
            if (stopped) {
              void lease.release();
              return;
            }
            stop();
            subscriber.next(lease);
            subscriber.complete();
            return;
          }
          if (stopped) return;
          if (ttlLeft < 0 && !warned) {
            warned = true;
            context.logger.warn?.('rx-cluster: the lock key holds data that never expires, not written by rx-cluster; waiting for a release', {
              namespace: target.storeNamespace,
              key: target.key,
            });
          }
          // a key that never expires is retried once per ttl, not hammered
          retryIn(ttlLeft < 0 ? timing.ttl : ttlLeft + EXPIRY_MARGIN);
          if (again) attempt();
          else listen();
        },
        (error: unknown) => {
          inFlight = false;
          if (stopped) return;
          failures += 1;
          retryIn(reportStoreError(context, 'acquire', target.key, error, failures));
          listen();
        },
      );
    }

    attempt();
    return stop;
  });
}
