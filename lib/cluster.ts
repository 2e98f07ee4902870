import { randomUUID } from 'node:crypto';
import { asyncScheduler, Subject, type Observable, type SchedulerLike } from 'rxjs';
import type { ClusterContext } from './context.js';
import type { ClusterEvent } from './events.js';
import { createJob } from './job.js';
import { consoleLogger, type Logger } from './logger.js';
import { createMutex, type Mutex, type MutexOptions } from './mutex.js';
import { RefreshWheel } from './refresh-wheel.js';
import { createOnceScheduler, type OnceOptions, type OnceScheduler } from './once.js';
import { memoryStore } from './stores/memory-store.js';
import type { ClusterStore } from './stores/store.js';
import { assertKey, assertOptions, describe } from './validate.js';
import { createWithClusterLock } from './with-cluster-lock.js';

/** Options of `createCluster(options)`. */
export interface ClusterOptions {
  /**
   * Where cluster state lives.
   * @default one memoryStore() shared by every Cluster of this process
   */
  store?: ClusterStore;
  /**
   * Isolates apps sharing one store: the same key in another namespace is unrelated.
   * @default 'rx-cluster'
   */
  namespace?: string;
  /**
   * Where failures retried in the background are reported.
   * @default errors and warnings to the console
   */
  logger?: Logger;
  /** Run-once scheduler settings. */
  once?: OnceOptions;
  /**
   * The clock and timers, for tests in virtual time.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/** One instance's handle on the cluster. Every method is bound: destructure freely. */
export interface Cluster {
  /** A cluster-wide lock on `key`. */
  mutex: (key: string, options?: MutexOptions) => Mutex;
  /** An operator that runs the source only while this instance holds the lock on `key`. */
  withClusterLock: ReturnType<typeof createWithClusterLock>;
  /** A recurring job that runs on at most one instance at a time. */
  job$: ReturnType<typeof createJob>;
  /** The persisted run-once scheduler. */
  once: OnceScheduler;
  /** What happens on this instance: locks taken, released and lost, runs, store errors. */
  events$: Observable<ClusterEvent>;
  /** Ends this instance's streams and timers and releases its locks. Never closes the user's client. */
  close: () => Promise<void>;
}

/**
 * Ms `close()` waits for releases and acquires on their way: a store that stalls (commands
 * queued while Redis is unreachable) must not hang a shutdown.
 */
const CLOSE_TIMEOUT = 10_000;

/** True if `operation` settles before `deadline` (scheduler time), false once it has passed. */
function settlesBefore(operation: Promise<unknown>, deadline: number, scheduler: SchedulerLike): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = scheduler.schedule(() => resolve(false), Math.max(0, deadline - scheduler.now()));
    void operation.then(() => {
      timer.unsubscribe();
      resolve(true);
    });
  });
}

let defaultStore: ClusterStore | null = null;
/** How many open Clusters use each store: the last one to close closes the store. */
const storeUsers = new WeakMap<ClusterStore, number>();

/**
 * Joins this process to a cluster: one store, one namespace. Create one per store and
 * namespace, at start-up, and `close()` it on shutdown.
 *
 * @example
 * ```ts
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const { mutex, job$, once, close } = createCluster({ store: redisStore(redis), namespace: 'my-plugin' });
 * ```
 */
export function createCluster(options: ClusterOptions = {}): Cluster {
  assertOptions('options', options);
  const namespace = options.namespace ?? 'rx-cluster';
  assertKey('namespace', namespace);
  const store = options.store ?? (defaultStore ??= memoryStore());
  if (typeof store !== 'object' || store === null || typeof store.acquire !== 'function') {
    throw new TypeError(`Expected \`store\` to be a ClusterStore (memoryStore() or redisStore(client)), got ${describe(store)}`);
  }
  const logger = options.logger ?? consoleLogger;
  if (typeof logger?.error !== 'function') {
    throw new TypeError(`Expected \`logger\` to have an error(message, fields) method, got ${describe(logger)}`);
  }
  const closing = new AbortController();
  const events = new Subject<ClusterEvent>();
  const instanceId = randomUUID();
  let tokens = 0;
  const scheduler = options.scheduler ?? asyncScheduler;
  const context: ClusterContext = {
    store,
    namespace,
    logger,
    scheduler,
    refreshes: new RefreshWheel(scheduler),
    random: Math.random,
    instanceId,
    closed: closing.signal,
    leases: new Set(),
    pending: new Set(),
    events,
    newToken: () => `${instanceId}:${(tokens += 1)}`,
  };
  const once = createOnceScheduler(context, options.once);
  storeUsers.set(store, (storeUsers.get(store) ?? 0) + 1);

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      closing.abort();
      // an acquire on its way may still land: wait for it, then release what it won
      const giveUpAt = scheduler.now() + CLOSE_TIMEOUT;
      for (let round = 0; round < 10 && (context.leases.size > 0 || context.pending.size > 0); round += 1) {
        const releases = [...context.leases].map((lease) => lease.release());
        const settled = Promise.all([...releases, ...[...context.pending].map((operation) => operation.catch(() => undefined))]);
        if (!(await settlesBefore(settled, giveUpAt, scheduler))) {
          logger.error('rx-cluster: close() gave up waiting for the store; locks still held expire after their ttl', {
            namespace,
            waitedMs: CLOSE_TIMEOUT,
          });
          break;
        }
      }
      context.refreshes.stop();
      const users = (storeUsers.get(store) ?? 1) - 1;
      storeUsers.set(store, users);
      if (users === 0) await store.close();
      events.complete();
    })());

  return {
    mutex: (key, mutexOptions) => createMutex(context, key, mutexOptions),
    withClusterLock: createWithClusterLock(context),
    job$: createJob(context),
    once,
    events$: events.asObservable(),
    close,
  };
}
