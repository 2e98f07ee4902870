import { Observable, Subject } from 'rxjs';
import type {
  AcquireResult,
  ClaimedOnceJob,
  ClusterStore,
  HeldLock,
  Notice,
  OnceClaim,
  StoredOnceJob,
} from './store.js';
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

interface MemoryOnceJob extends StoredOnceJob {
  claimant: string | null;
  claimDeadline: number;
  attempt: number;
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
  const lastFinished = new Map<string, number>();
  const onceJobs = new Map<string, Map<string, MemoryOnceJob>>();
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
  const jobsOf = (ns: string): Map<string, MemoryOnceJob> => {
    let jobs = onceJobs.get(ns);
    if (!jobs) onceJobs.set(ns, (jobs = new Map()));
    return jobs;
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
      return lastFinished.get(id(ns, key)) ?? null;
    },

    async setLastFinished(ns, key, at) {
      lastFinished.set(id(ns, key), at);
    },

    async recurringJobs(ns) {
      const prefix = id(ns, '');
      return [...lastFinished]
        .filter(([jobId]) => jobId.startsWith(prefix))
        .map(([jobId, at]) => ({ key: jobId.slice(prefix.length), lastFinished: at }))
        .sort(byKey);
    },

    async onceAdd(ns, job) {
      const jobs = jobsOf(ns);
      if (jobs.has(job.key)) return false;
      jobs.set(job.key, { ...stored(job), claimant: null, claimDeadline: 0, attempt: 0 });
      later(() => additions.next({ ns, runAt: job.runAt }));
      return true;
    },

    async onceCancel(ns, key) {
      return jobsOf(ns).delete(key);
    },

    async onceGet(ns, key) {
      const job = jobsOf(ns).get(key);
      return job ? stored(job) : null;
    },

    async onceList(ns, limit, after) {
      return [...jobsOf(ns).values()]
        .filter((job) => !after || compareJobs(job, after) > 0)
        .sort(compareJobs)
        .slice(0, limit)
        .map(stored);
    },

    async onceClaim(ns, claimant, claimTtl, limit): Promise<OnceClaim> {
      const at = now();
      const dueAt = (job: MemoryOnceJob) => (job.claimant === null ? job.runAt : job.claimDeadline);
      const due = [...jobsOf(ns).values()]
        .filter((job) => dueAt(job) <= at)
        .sort((a, b) => dueAt(a) - dueAt(b) || compareJobs(a, b))
        .slice(0, limit);
      const claimed: ClaimedOnceJob[] = due.map((job) => {
        job.claimant = claimant;
        job.claimDeadline = at + claimTtl;
        job.attempt += 1;
        return { ...stored(job), attempt: job.attempt };
      });
      let next = Infinity;
      for (const job of jobsOf(ns).values()) next = Math.min(next, dueAt(job));
      return { jobs: claimed, now: at, nextDueIn: next === Infinity ? null : Math.max(0, next - at) };
    },

    async onceExtendClaim(ns, key, claimant, claimTtl) {
      const job = jobsOf(ns).get(key);
      if (!job || job.claimant !== claimant || job.claimDeadline <= now()) return false;
      job.claimDeadline = now() + claimTtl;
      return true;
    },

    async onceAck(ns, key, claimant) {
      const jobs = jobsOf(ns);
      if (jobs.get(key)?.claimant !== claimant) return false;
      return jobs.delete(key);
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
      let claimed = 0;
      for (const job of jobsOf(ns).values()) if (job.claimant !== null) claimed += 1;
      return { scheduled: jobsOf(ns).size, claimed };
    },

    async close() {},
  };
}
