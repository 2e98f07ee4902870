import type { Observable } from 'rxjs';

/**
 * The contract every backend honours. Each operation is ONE atomic step on the backend (one
 * Lua script or command on Redis, one synchronous step in memory), so the guarantees of the
 * Mutex, `job$` and `once` rest on this interface alone. Every operation takes the cluster's
 * namespace first: the same key in another namespace is unrelated.
 *
 * Failures reject the returned Promise; callers in background loops log and retry them.
 *
 * @example
 * ```ts
 * const store: ClusterStore = memoryStore();
 * const got = await store.acquire('app', 'report', 'owner-1', 15_000);
 * if (got.fence > 0) await store.release('app', 'report', 'owner-1');
 * ```
 */
export interface ClusterStore extends LockStore, JobStore, OnceStore {
  /** Closes what the store opened itself (a subscriber connection). Never the user's client. */
  close(): Promise<void>;
}

/**
 * What `released()` emits: `listening` once the subscription is live
 * (anything published after it will arrive), then one value per notification.
 */
export type Notice = 'listening' | 'notified';

/** The answer to `acquire`: a fence (> 0) when taken, else 0 and the holder's ms left. */
export interface AcquireResult {
  /** The fencing token of this acquisition; 0 when the lock is held by another owner. */
  fence: number;
  /**
   * When not acquired: milliseconds until the current holder's lock expires; -1 if the key
   * holds something that never expires (data not written by rx-cluster).
   */
  ttlLeft: number;
}

export interface LockStore {
  /** Takes `key` for `owner` for `ttl` ms if nobody holds it; bumps its fence counter. */
  acquire(ns: string, key: string, owner: string, ttl: number): Promise<AcquireResult>;
  /** Resets the ttl of `key` if `owner` still holds it. */
  extend(ns: string, key: string, owner: string, ttl: number): Promise<boolean>;
  /** Deletes `key` if `owner` holds it, and notifies `released` listeners. */
  release(ns: string, key: string, owner: string): Promise<boolean>;
  /** Release notifications for `key`. Never errors; completes only when unsubscribed. */
  released(ns: string, key: string): Observable<Notice>;
  /** Locks held in `ns` now, for operators; may scan, never called on a hot path. */
  heldLocks(ns: string): Promise<HeldLock[]>;
}

/** A recurring job as an operator sees it: epoch ms; `nextDue` null when not recorded. */
export interface RecurringJob {
  key: string;
  lastFinished: number;
  nextDue: number | null;
}

/** A lock as an operator sees it. */
export interface HeldLock {
  key: string;
  fence: number;
  ttlLeft: number;
}

export interface JobStore {
  /** When the recurring job `key` last finished anywhere (epoch ms), or null if never. */
  getLastFinished(ns: string, key: string): Promise<number | null>;
  /** Records that the recurring job `key` finished at `at`, and when it is next due (epoch ms). */
  setLastFinished(ns: string, key: string, at: number, nextDue?: number | null): Promise<void>;
  /** Every recurring job of `ns` that ever finished, for operators; may scan. */
  recurringJobs(ns: string): Promise<RecurringJob[]>;
}

/** A run-once job as stored: `props` is the JSON text given to `schedule`. */
export interface StoredOnceJob {
  key: string;
  /** Epoch ms. */
  runAt: number;
  /** JSON text; `'null'` when no props were given. */
  props: string;
}

/** A job handed to one runner: it stays claimed by `claim` until acked or the lease ends. */
export interface ClaimedOnceJob extends StoredOnceJob {
  /** 1 on first delivery, +1 on each redelivery after a claim lease ran out. */
  attempt: number;
}

/** What one claim returns. Times are deltas on the store's clock, not the instance's. */
export interface OnceClaim {
  jobs: ClaimedOnceJob[];
  /** The store's clock (epoch ms) when it claimed: runners compare runAt against it. */
  now: number;
  /** Ms until the next job is due or a claim lease runs out (store clock); null if none. */
  nextDueIn: number | null;
}

export interface OnceStore {
  /** Stores `job` unless its key is already scheduled; false if it was. Notifies `onceAdded`. */
  onceAdd(ns: string, job: StoredOnceJob): Promise<boolean>;
  /** Removes the job, claimed or not; true if it existed. It can never be claimed again. */
  onceCancel(ns: string, key: string): Promise<boolean>;
  onceGet(ns: string, key: string): Promise<StoredOnceJob | null>;
  /**
   * A page of jobs ordered by (runAt, key): up to `limit` jobs after `after` (exclusive).
   * Claimed jobs are listed too: they are scheduled until acked.
   */
  onceList(ns: string, limit: number, after?: StoredOnceJob): Promise<StoredOnceJob[]>;
  /**
   * Atomically claims up to `limit` jobs that are due on the store's clock, or whose claim
   * lease ran out, for `claimant` for `claimTtl` ms. A job is never in two live claims. A store
   * that spreads jobs over N buckets may return up to N - 1 more than `limit`.
   */
  onceClaim(ns: string, claimant: string, claimTtl: number, limit: number): Promise<OnceClaim>;
  /** Renews the claim lease of `key` if `claimant` still holds the claim. */
  onceExtendClaim(ns: string, key: string, claimant: string, claimTtl: number): Promise<boolean>;
  /** Removes a delivered job if `claimant` still holds its claim. */
  onceAck(ns: string, key: string, claimant: string): Promise<boolean>;
  /**
   * `'listening'` once live, then the runAt (epoch ms) of every job added in `ns`, so that a
   * runner re-arms its one timer without a round trip. Never errors.
   */
  onceAdded(ns: string): Observable<'listening' | number>;
  /** How many jobs are scheduled and how many of them are claimed, for operators. */
  onceCount(ns: string): Promise<{ scheduled: number; claimed: number }>;
}
