import { Observable, Subject } from 'rxjs';
import { MemoryOnceQueue } from './memory-once-queue.js';
import type { AcquireResult, ClusterStore, HeldLock, Notice, StoredOnceJob } from './store.js';
import { byKey, compareJobs } from './once-order.js';

/** Options of `memoryStore()`. */
export interface MemoryStoreOptions {
  /**
   * The store's clock in epoch ms, for tests that control time.
   * @default Date.now
   */
  now?: () => number;
}

interface MemoryLock {
  owner: string;
  deadline: number;
}

/**
 * The embedded store: cluster state in this process's memory, no server needed. Every
 * `Cluster` created on one `memoryStore()` behaves as one instance of the same cluster, so it
 * serves single-process apps, demos and tests, with the same guarantees as `redisStore`.
 *
 * @example
 * ```ts
 * const store = memoryStore();
 * const a = createCluster({ store });
 * const b = createCluster({ store }); // a and b now exclude each other
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): ClusterStore {
  const now = options.now ?? Date.now;
  const locks = new Map<string, MemoryLock>();
  const fences = new Map<string, number>();
  const lastFinished = new Map<string, { at: number; nextDue: number | null }>();
  const onceQueues = new Map<string, MemoryOnceQueue>();
  const releases = new Subject<string>();
  const additions = new Subject<{ ns: string; runAt: number }>();

  const id = (ns: string, key: string) => `${ns}\u0000${key}`;
  const liveLock = (lockId: string): MemoryLock | undefined => {
    const lock = locks.get(lockId);
    if (lock && lock.deadline <= now()) {
      locks.delete(lockId);
      return undefined;
    }
    return lock;
  };
  const queueOf = (ns: string): MemoryOnceQueue => {
    let queue = onceQueues.get(ns);
    if (!queue) onceQueues.set(ns, (queue = new MemoryOnceQueue()));
    return queue;
  };
  const stored = ({ key, runAt, props }: StoredOnceJob): StoredOnceJob => ({ key, runAt, props });
  // Notifications arrive after the operation's Promise settles, as they would from Redis.
  const later = (fn: () => void) => queueMicrotask(fn);

  return {
    async acquire(ns, key, owner, ttl): Promise<AcquireResult> {
      const lockId = id(ns, key);
      const held = liveLock(lockId);
      if (held) return { fence: 0, ttlLeft: held.deadline - now() };
      locks.set(lockId, { owner, deadline: now() + ttl });
      const fence = (fences.get(lockId) ?? 0) + 1;
      fences.set(lockId, fence);
      return { fence, ttlLeft: 0 };
    },

    async extend(ns, key, owner, ttl) {
      const lock = liveLock(id(ns, key));
      if (lock?.owner !== owner) return false;
      lock.deadline = now() + ttl;
      return true;
    },

    async release(ns, key, owner) {
      const lockId = id(ns, key);
      if (liveLock(lockId)?.owner !== owner) return false;
      locks.delete(lockId);
      later(() => releases.next(lockId));
      return true;
    },

    released(ns, key) {
      const lockId = id(ns, key);
      return new Observable<Notice>((subscriber) => {
        const subscription = releases.subscribe((released) => {
          if (released === lockId) subscriber.next('notified');
        });
        subscriber.next('listening');
        return subscription;
      });
    },

    async heldLocks(ns) {
      const prefix = id(ns, '');
      const held: HeldLock[] = [];
      for (const lockId of [...locks.keys()]) {
        const lock = lockId.startsWith(prefix) ? liveLock(lockId) : undefined;
        if (lock) {
          held.push({ key: lockId.slice(prefix.length), fence: fences.get(lockId) ?? 0, ttlLeft: lock.deadline - now() });
        }
      }
      return held.sort(byKey);
    },

    async getLastFinished(ns, key) {
      return lastFinished.get(id(ns, key))?.at ?? null;
    },

    async setLastFinished(ns, key, at, nextDue = null) {
      lastFinished.set(id(ns, key), { at, nextDue });
    },

    async recurringJobs(ns) {
      const prefix = id(ns, '');
      return [...lastFinished]
        .filter(([jobId]) => jobId.startsWith(prefix))
        .map(([jobId, { at, nextDue }]) => ({ key: jobId.slice(prefix.length), lastFinished: at, nextDue }))
        .sort(byKey);
    },

    async onceAdd(ns, job) {
      if (!queueOf(ns).add(stored(job))) return false;
      later(() => additions.next({ ns, runAt: job.runAt }));
      return true;
    },

    async onceCancel(ns, key) {
      return queueOf(ns).remove(key);
    },

    async onceGet(ns, key) {
      const job = queueOf(ns).get(key);
      return job ? stored(job) : null;
    },

    async onceList(ns, limit, after) {
      return queueOf(ns)
        .all()
        .filter((job) => !after || compareJobs(job, after) > 0)
        .slice(0, limit)
        .map(stored);
    },

    async onceClaim(ns, claimant, claimTtl, limit) {
      return queueOf(ns).claim(claimant, claimTtl, limit, now());
    },

    async onceExtendClaim(ns, key, claimant, claimTtl) {
      return queueOf(ns).extendClaim(key, claimant, claimTtl, now());
    },

    async onceAck(ns, key, claimant) {
      return queueOf(ns).ack(key, claimant);
    },

    onceAdded(ns) {
      return new Observable<'listening' | number>((subscriber) => {
        const subscription = additions.subscribe((added) => {
          if (added.ns === ns) subscriber.next(added.runAt);
        });
        subscriber.next('listening');
        return subscription;
      });
    },

    async onceCount(ns) {
      const queue = queueOf(ns);
      return { scheduled: queue.size, claimed: queue.claimed };
    },

    async close() {},
  };
}
