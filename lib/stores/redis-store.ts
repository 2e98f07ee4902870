import { map, type Observable } from 'rxjs';
import { consoleLogger, type Logger } from '../logger.js';
import { ChannelHub, type SubscriberClient } from './channel-hub.js';
import type { ScriptRunner } from './lua-script.js';
import { byKey } from './once-order.js';
import { redisOnceStore } from './redis-once-store.js';
import { jobKey, lockKeys, scanPattern } from './redis-keys.js';
import { topologyOf, writeThenWait } from './redis-topology.js';
import { acquireLock, extendLock, releaseLock } from './scripts.js';
import type { ClusterStore, HeldLock, Notice, RecurringJob } from './store.js';

/** A recurring job's value: `lastFinished` or `lastFinished|nextDue`, epoch ms. */
function parseJobTimes(value: string): { lastFinished: number | null; nextDue: number | null } {
  const [at, next] = value.split('|');
  const lastFinished = Number(at);
  const nextDue = next === undefined ? NaN : Number(next);
  return {
    lastFinished: at !== '' && Number.isFinite(lastFinished) ? lastFinished : null,
    nextDue: Number.isFinite(nextDue) ? nextDue : null,
  };
}

/**
 * The commands redisStore uses. A connected node-redis client from `createClient()`,
 * `createCluster()` or `createSentinel()` (Redis 6.2+) has them all; typed structurally so
 * that any compatible client version fits.
 */
export interface RedisClientLike extends ScriptRunner {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  hGet(key: string, field: string): Promise<string | null>;
  zCard(key: string): Promise<number>;
  pTTL(key: string): Promise<number>;
  scanIterator(options: { MATCH: string; COUNT?: number }): AsyncIterable<string | string[]>;
  duplicate(): SubscriberClient;
}

/** Options of `redisStore()`. */
export interface RedisStoreOptions {
  /**
   * Where the store reports trouble with its own subscriber connection.
   * @default errors to console.error
   */
  logger?: Logger;
  /**
   * After each acquire, wait until this many replicas acknowledged it (Redis `WAIT`), so that
   * the lock survives a failover; a lock not confirmed within `timeout` ms is released and the
   * acquire fails (and is retried, like any store failure). Costs a replication round trip.
   * @default no waiting
   */
  waitForReplicas?: { replicas: number; timeout: number };
  /**
   * Buckets the once index of a namespace is spread over, each in its own slot, so that a
   * Redis Cluster shares the scheduling and claiming load among its masters.
   * @default 16 on a Redis Cluster, 1 otherwise
   */
  onceBuckets?: number;
}

export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): ClusterStore {
  const topology = topologyOf(client);
  const sharded = topology === 'cluster';
  const publish = sharded ? 'SPUBLISH' : 'PUBLISH';
  const logger = options.logger ?? consoleLogger;
  const hub = new ChannelHub(() => client.duplicate(), logger, sharded);
  const onceBuckets = options.onceBuckets ?? (sharded ? 16 : 1);
  const once = redisOnceStore(client, hub, { buckets: onceBuckets, publish, logger });
  const { waitForReplicas } = options;

  /** The user keys of every `<ns>:<kind>:{…}` key: SCAN, for operators only. */
  const scanKeys = async (ns: string, kind: 'lock' | 'job') => {
    const pattern = scanPattern(ns, kind);
    const keys = new Set<string>();
    for await (const batch of client.scanIterator({ MATCH: pattern.match, COUNT: 500 })) {
      for (const redisKey of Array.isArray(batch) ? batch : [batch]) keys.add(pattern.keyOf(redisKey));
    }
    return [...keys];
  };

  const acquire = async (ns: string, key: string, owner: string, ttl: number): Promise<number> => {
    const keys = lockKeys(ns, key);
    const run = (connection: ScriptRunner) => acquireLock(connection, [keys.lock, keys.fence], [owner, String(ttl)]);
    if (!waitForReplicas) return run(client);
    const { result, acked } = await writeThenWait(client, keys.lock, run, waitForReplicas.replicas, waitForReplicas.timeout);
    if (result > 0 && acked < waitForReplicas.replicas) {
      await releaseLock(client, [keys.lock], [owner, keys.released, publish]);
      throw new Error(
        `lock \`${key}\` was acknowledged by ${acked} of ${waitForReplicas.replicas} replicas within ${waitForReplicas.timeout} ms; released it`,
      );
    }
    return result;
  };

  return {
    ...once,

    acquire(ns, key, owner, ttl) {
      return acquire(ns, key, owner, ttl).then((reply) =>
        reply > 0 ? { fence: reply, ttlLeft: 0 } : { fence: 0, ttlLeft: reply === 0 ? -1 : -1 - reply },
      );
    },

    extend(ns, key, owner, ttl) {
      return extendLock(client, [lockKeys(ns, key).lock], [owner, String(ttl)]).then((reply) => reply === 1);
    },

    release(ns, key, owner) {
      const keys = lockKeys(ns, key);
      return releaseLock(client, [keys.lock], [owner, keys.released, publish]).then((reply) => reply === 1);
    },

    released(ns, key): Observable<Notice> {
      return hub.listen(lockKeys(ns, key).released).pipe(
        map((message) => (message === 'listening' ? 'listening' : 'notified')),
      );
    },

    async heldLocks(ns) {
      const held: HeldLock[] = [];
      for (const key of await scanKeys(ns, 'lock')) {
        const keys = lockKeys(ns, key);
        const [ttlLeft, fence] = await Promise.all([client.pTTL(keys.lock), client.get(keys.fence)]);
        if (ttlLeft > 0) held.push({ key, fence: Number(fence ?? 0), ttlLeft });
      }
      return held.sort(byKey);
    },

    async getLastFinished(ns, key) {
      const value = await client.get(jobKey(ns, key));
      if (value === null) return null;
      const at = parseJobTimes(value).lastFinished;
      if (at !== null) return at;
      // not written by rx-cluster: the job counts as never run, and its next run overwrites it
      logger.warn?.('rx-cluster: a recurring job key holds no time; the job counts as never run', {
        key: jobKey(ns, key),
        value: value.slice(0, 100),
      });
      return null;
    },

    async setLastFinished(ns, key, at, nextDue = null) {
      await client.set(jobKey(ns, key), nextDue === null ? String(at) : `${at}|${nextDue}`);
    },

    async recurringJobs(ns) {
      const jobs: RecurringJob[] = [];
      for (const key of await scanKeys(ns, 'job')) {
        const value = await client.get(jobKey(ns, key));
        const times = value === null ? null : parseJobTimes(value);
        if (times?.lastFinished != null) jobs.push({ key, lastFinished: times.lastFinished, nextDue: times.nextDue });
      }
      return jobs.sort(byKey);
    },

    close: () => hub.close(),
  };
}
