import type { SchedulerLike, Subject } from 'rxjs';
import { backoffDelay, MAX_BACKOFF } from './backoff.js';
import type { ClusterEvent, ClusterEventType } from './events.js';
import type { Logger } from './logger.js';
import type { RefreshWheel } from './refresh-wheel.js';
import type { ClusterStore } from './stores/store.js';

/**
 * What every primitive of one `Cluster` shares: its store and namespace, where it reports,
 * its clock, and the signal that it is closing. Internal; built by `createCluster`.
 */
export interface ClusterContext {
  readonly store: ClusterStore;
  readonly namespace: string;
  readonly logger: Logger;
  /** The clock seam: every timer and `now()` of the library goes through it. */
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
  /** A random id of this instance, the prefix of its owner tokens and claims. */
  readonly instanceId: string;
  /** Aborts when `close()` is called. */
  readonly closed: AbortSignal;
  /** One timer for the refreshes of every lease of this instance. */
  readonly refreshes: RefreshWheel;
  /** Leases held by this instance, released by `close()`. */
  readonly leases: Set<{ release(): Promise<void> }>;
  /** Lock operations on their way (acquires, releases): `close()` waits for them. */
  readonly pending: Set<Promise<unknown>>;
  readonly events: Subject<ClusterEvent>;
  /** A new owner token, unique across the cluster. */
  newToken(): string;
}

/**
 * Follows a lock operation until it settles, so that `close()` can wait for it: an acquire
 * that lands during `close()` is then released before the user's client is closed.
 *
 * @example
 * ```ts
 * const result = await track(context, store.acquire(ns, key, owner, ttl));
 * ```
 */
export function track<T>(context: ClusterContext, operation: Promise<T>): Promise<T> {
  context.pending.add(operation);
  const settled = () => context.pending.delete(operation);
  operation.then(settled, settled);
  return operation;
}

/**
 * Reports an event on `events$`.
 *
 * @example
 * ```ts
 * emit(context, 'lock-acquired', 'report', { fence: 7 });
 * ```
 */
export function emit(
  context: ClusterContext,
  type: ClusterEventType,
  key: string,
  fields: Omit<Partial<ClusterEvent>, 'type' | 'key' | 'at'> = {},
): void {
  // nothing is built for an events$ nobody watches: this runs on every lock and release
  if (context.events.observed) context.events.next({ type, key, at: new Date(context.scheduler.now()), ...fields });
}

/**
 * Reports a failed store operation that will be retried and returns the back-off delay to
 * wait before the retry. Every failure is a `store-error` event; the logger hears the first
 * failure of a streak, then one line per maximum back-off (5 min) while it lasts, so that an
 * outage or a bad key is one line, not one per retry.
 *
 * @example
 * ```ts
 * const delay = reportStoreError(context, 'acquire', 'report', error, failures);
 * ```
 */
export function reportStoreError(
  context: ClusterContext,
  operation: string,
  key: string,
  error: unknown,
  failures: number,
): number {
  const retryIn = backoffDelay(failures, context.random);
  const fields = { namespace: context.namespace, key, failures, error };
  if (failures === 1 || retryIn >= MAX_BACKOFF) {
    context.logger.error(`rx-cluster: store ${operation} failed; retrying in ${retryIn} ms`, fields);
  } else {
    context.logger.debug?.(`rx-cluster: store ${operation} failed again; retrying in ${retryIn} ms`, fields);
  }
  emit(context, 'store-error', key, { operation, retryIn, error });
  return retryIn;
}
