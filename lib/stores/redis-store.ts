import { filter, map, type Observable } from 'rxjs';
import { consoleLogger, type Logger } from '../logger.js';
import { ChannelHub, type SubscriberClient } from './channel-hub.js';
import type { ScriptRunner } from './lua-script.js';
import { byKey, compareJobs } from './once-order.js';
import { jobKey, lockKeys, onceKeys, scanPattern } from './redis-keys.js';
import {
  ackOnceJob,
  acquireLock,
  addOnceJob,
  cancelOnceJob,
  claimOnceJobs,
  extendLock,
  extendOnceClaim,
  listOnceJobs,
  releaseLock,
} from './scripts.js';
import type { ClaimedOnceJob, ClusterStore, HeldLock, Notice, StoredOnceJob } from './store.js';

/**
 * The commands redisStore uses: a connected node-redis client from `createClient()` (Redis
 * 6.2+) has them all. Typed structurally so any compatible client version fits.
 */
export interface RedisClientLike extends ScriptRunner {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  hGet(key: string, field: string): Promise<string | null>;
  zCard(key: string): Promise<number>;
  zCount(key: string, min: number | string, max: number | string): Promise<number>;
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
}

/**
 * The Redis backend. `client` is a connected node-redis client; the store opens one more
 * connection of its own (`client.duplicate()`) for release and schedule notifications, and
 * `close()` closes only that one.
 *
 * @example
 * ```ts
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const cluster = createCluster({ store: redisStore(redis), namespace: 'my-plugin' });
 * ```
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): ClusterStore {
  const hub = new ChannelHub(() => client.duplicate(), options.logger ?? consoleLogger);
  /** The user keys of every `<ns>:<kind>:{…}` key: SCAN, for operators only. */
  const scanKeys = async (ns: string, kind: 'lock' | 'job') => {
    const pattern = scanPattern(ns, kind);
    const keys = new Set<string>();
    for await (const batch of client.scanIterator({ MATCH: pattern.match, COUNT: 500 })) {
      for (const redisKey of Array.isArray(batch) ? batch : [batch]) keys.add(pattern.keyOf(redisKey));
    }
    return [...keys];
  };
  const parseJob = (key: string, data: string): StoredOnceJob => {
    const bar = data.indexOf('|');
    return { key, runAt: Number(data.slice(0, bar)), props: data.slice(bar + 1) };
  };

  return {
    async acquire(ns, key, owner, ttl) {
      const keys = lockKeys(ns, key);
      const [fence, ttlLeft] = await acquireLock(client, [keys.lock, keys.fence], [owner, String(ttl)]);
      return { fence, ttlLeft };
    },

    async extend(ns, key, owner, ttl) {
      return (await extendLock(client, [lockKeys(ns, key).lock], [owner, String(ttl)])) === 1;
    },

    async release(ns, key, owner) {
      const keys = lockKeys(ns, key);
      return (await releaseLock(client, [keys.lock], [owner, keys.released])) === 1;
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
      return value === null ? null : Number(value);
    },

    async setLastFinished(ns, key, at) {
      await client.set(jobKey(ns, key), String(at));
    },

    async recurringJobs(ns) {
      const jobs: Array<{ key: string; lastFinished: number }> = [];
      for (const key of await scanKeys(ns, 'job')) {
        const value = await client.get(jobKey(ns, key));
        if (value !== null) jobs.push({ key, lastFinished: Number(value) });
      }
      return jobs.sort(byKey);
    },

    async onceAdd(ns, job) {
      const keys = onceKeys(ns);
      const added = await addOnceJob(
        client,
        [keys.queue, keys.jobs],
        [job.key, String(job.runAt), job.props, keys.added],
      );
      return added === 1;
    },

    async onceCancel(ns, key) {
      const keys = onceKeys(ns);
      return (await cancelOnceJob(client, [keys.queue, keys.claims, keys.jobs, keys.claimants], [key])) === 1;
    },

    async onceGet(ns, key) {
      const data = await client.hGet(onceKeys(ns).jobs, key);
      return data === null ? null : parseJob(key, data);
    },

    async onceList(ns, limit, after) {
      const keys = onceKeys(ns);
      const reply = await listOnceJobs(
        client,
        [keys.queue, keys.claims, keys.jobs],
        [String(limit), after ? String(after.runAt) : '', after?.key ?? ''],
      );
      const jobs: StoredOnceJob[] = [];
      for (let i = 0; i < reply.length; i += 2) {
        const job = parseJob(reply[i]!, reply[i + 1]!);
        if (!after || compareJobs(job, after) > 0) jobs.push(job);
      }
      return jobs.sort(compareJobs).slice(0, limit);
    },

    async onceClaim(ns, claimant, claimTtl, limit) {
      const keys = onceKeys(ns);
      const reply = await claimOnceJobs(
        client,
        [keys.queue, keys.claims, keys.jobs, keys.claimants],
        [claimant, String(claimTtl), String(limit)],
      );
      const jobs: ClaimedOnceJob[] = [];
      for (let i = 2; i < reply.length; i += 3) {
        jobs.push({ ...parseJob(String(reply[i]), String(reply[i + 1])), attempt: Number(reply[i + 2]) });
      }
      const nextDueIn = Number(reply[1]);
      return { jobs, now: Number(reply[0]), nextDueIn: nextDueIn < 0 ? null : nextDueIn };
    },

    async onceExtendClaim(ns, key, claimant, claimTtl) {
      const keys = onceKeys(ns);
      return (await extendOnceClaim(client, [keys.claims, keys.claimants], [key, claimant, String(claimTtl)])) === 1;
    },

    async onceAck(ns, key, claimant) {
      const keys = onceKeys(ns);
      return (await ackOnceJob(client, [keys.claims, keys.jobs, keys.claimants], [key, claimant])) === 1;
    },

    onceAdded(ns) {
      return hub.listen(onceKeys(ns).added).pipe(
        map((message) => (message === 'listening' ? 'listening' : Number(message))),
        filter((notice) => notice === 'listening' || Number.isFinite(notice)),
      );
    },

    async onceCount(ns) {
      const keys = onceKeys(ns);
      const [queued, claimed] = await Promise.all([client.zCard(keys.queue), client.zCard(keys.claims)]);
      return { scheduled: queued + claimed, claimed };
    },

    close: () => hub.close(),
  };
}
