import { defer, filter, map, merge } from 'rxjs';
import type { Logger } from '../logger.js';
import type { ChannelHub } from './channel-hub.js';
import type { ScriptRunner } from './lua-script.js';
import { compareJobs } from './once-order.js';
import { bucketOf, onceKeys } from './redis-keys.js';
import { batched } from './batcher.js';
import {
  ackOnceJobs,
  addOnceJobs,
  cancelOnceJob,
  claimOnceJobs,
  extendOnceClaims,
  listOnceJobs,
  type PublishCommand,
} from './scripts.js';
import type { ClaimedOnceJob, OnceClaim, OnceStore, StoredOnceJob } from './store.js';

/** The commands the once operations use besides scripts. */
export interface OnceCommands extends ScriptRunner {
  hGet(key: string, field: string): Promise<string | null>;
  zCard(key: string): Promise<number>;
}

const parseJob = (key: string, data: string): StoredOnceJob => {
  const bar = data.indexOf('|');
  return { key, runAt: Number(data.slice(0, bar)), props: data.slice(bar + 1) };
};

/**
 * The once operations of redisStore over `buckets` buckets. A job lives in the bucket of its
 * key, so adding, cancelling and acking touch one slot; claiming, listing and counting ask
 * every bucket at once (one pipelined round) and merge. Adds, acks and claim renewals made
 * in the same tick run as one script per bucket: a runner acking a batch of 100 jobs costs
 * one script run, not 100. A claim shares its `limit` among the buckets (rounded up) and
 * each claims its own earliest due jobs: in runAt order within a bucket, close to it across
 * buckets.
 *
 * @example
 * ```ts
 * const once = redisOnceStore(client, hub, { buckets: 16, publish: 'SPUBLISH' });
 * ```
 */
export function redisOnceStore(
  client: OnceCommands,
  hub: ChannelHub,
  { buckets, publish, logger }: { buckets: number; publish: PublishCommand; logger: Logger },
): OnceStore {
  const all = Array.from({ length: buckets }, (_, bucket) => bucket);
  /** Namespaces with a bucket whose claims fail: logged once while it lasts. */
  const failingClaims = new Set<string>();
  const keysOf = (ns: string, key: string) => onceKeys(ns, bucketOf(key, buckets), buckets);
  const each = <T>(ns: string, use: (keys: ReturnType<typeof onceKeys>) => Promise<T>) =>
    Promise.all(all.map((bucket) => use(onceKeys(ns, bucket, buckets))));
  /** Batches are grouped by namespace and bucket (and lease), as each script runs in one bucket. */
  const groupOf = (ns: string, key: string, extra = '') => JSON.stringify([ns, bucketOf(key, buckets), extra]);
  const keysOfGroup = (group: string) => {
    const [ns, bucket] = JSON.parse(group) as [string, number];
    return onceKeys(ns, bucket, buckets);
  };

  const add = batched(
    (items: Array<{ ns: string; job: StoredOnceJob }>, group) => {
      const keys = keysOfGroup(group);
      const args = items.flatMap(({ job }) => [job.key, String(job.runAt), job.props]);
      return addOnceJobs(client, [keys.queue, keys.jobs], [keys.added, publish, ...args]);
    },
    ({ ns, job }) => groupOf(ns, job.key),
  );
  const ack = batched(
    (items: Array<{ ns: string; key: string; claimant: string }>, group) => {
      const keys = keysOfGroup(group);
      return ackOnceJobs(client, [keys.claims, keys.jobs, keys.claimants], items.flatMap((i) => [i.key, i.claimant]));
    },
    ({ ns, key }) => groupOf(ns, key),
  );
  const extend = batched(
    (items: Array<{ ns: string; key: string; claimant: string; claimTtl: number }>, group) => {
      const keys = keysOfGroup(group);
      const pairs = items.flatMap((i) => [i.key, i.claimant]);
      return extendOnceClaims(client, [keys.claims, keys.claimants], [String(items[0]!.claimTtl), ...pairs]);
    },
    ({ ns, key, claimTtl }) => groupOf(ns, key, String(claimTtl)),
  );

  return {
    async onceAdd(ns, job) {
      return (await add({ ns, job })) === 1;
    },

    async onceCancel(ns, key) {
      const keys = keysOf(ns, key);
      return (await cancelOnceJob(client, [keys.queue, keys.claims, keys.jobs, keys.claimants], [key])) === 1;
    },

    async onceGet(ns, key) {
      const data = await client.hGet(keysOf(ns, key).jobs, key);
      return data === null ? null : parseJob(key, data);
    },

    async onceList(ns, limit, after) {
      const args: [string, string, string] = [String(limit), after ? String(after.runAt) : '', after?.key ?? ''];
      const replies = await each(ns, (keys) => listOnceJobs(client, [keys.queue, keys.claims, keys.jobs], args));
      const jobs: StoredOnceJob[] = [];
      for (const reply of replies) {
        for (let i = 0; i < reply.length; i += 2) {
          const job = parseJob(reply[i]!, reply[i + 1]!);
          if (!after || compareJobs(job, after) > 0) jobs.push(job);
        }
      }
      return jobs.sort(compareJobs).slice(0, limit);
    },

    async onceClaim(ns, claimant, claimTtl, limit): Promise<OnceClaim> {
      // every bucket claims its share of `limit`, rounded up: a claim may return up to
      // buckets - 1 jobs more than `limit`, never leave a due job behind for lack of a share
      const share = String(Math.ceil(limit / buckets));
      const settled = await Promise.allSettled(
        all.map((bucket) => {
          const keys = onceKeys(ns, bucket, buckets);
          const args: [string, string, string] = [claimant, String(claimTtl), share];
          return claimOnceJobs(client, [keys.queue, keys.claims, keys.jobs, keys.claimants], args);
        }),
      );
      const replies = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (replies.length === 0) throw failed!.reason;
      // one bucket that fails (a shard down, a foreign key in its slot) must not hold back the
      // jobs the others claimed: they are delivered, and the failing bucket is tried again
      // at every claim
      if (!failed) failingClaims.delete(ns);
      else if (!failingClaims.has(ns)) {
        failingClaims.add(ns);
        logger.error('rx-cluster: claiming once jobs failed in some buckets; the others are delivered', {
          namespace: ns,
          failedBuckets: settled.filter((result) => result.status === 'rejected').length,
          error: failed.reason,
        });
      }
      const jobs: ClaimedOnceJob[] = [];
      let nextDueIn: number | null = null;
      for (const reply of replies) {
        for (let i = 2; i < reply.length; i += 3) {
          jobs.push({ ...parseJob(String(reply[i]), String(reply[i + 1])), attempt: Number(reply[i + 2]) });
        }
        const due = Number(reply[1]);
        if (due >= 0) nextDueIn = nextDueIn === null ? due : Math.min(nextDueIn, due);
      }
      // every bucket answers on the same server clock on one server; on a cluster, the
      // earliest reading is the conservative one
      const now = Math.min(...replies.map((reply) => Number(reply[0])));
      return { jobs: jobs.sort(compareJobs), now, nextDueIn };
    },

    async onceExtendClaim(ns, key, claimant, claimTtl) {
      return (await extend({ ns, key, claimant, claimTtl })) === 1;
    },

    async onceAck(ns, key, claimant) {
      return (await ack({ ns, key, claimant })) === 1;
    },

    onceAdded(ns) {
      return defer(() => {
        let listening = 0;
        return merge(...all.map((bucket) => hub.listen(onceKeys(ns, bucket, buckets).added))).pipe(
          // live once every bucket's channel is (and again after each reconnect)
          filter((message) => message !== 'listening' || (listening += 1) >= buckets),
          map((message) => (message === 'listening' ? 'listening' : Number(message))),
          filter((notice) => notice === 'listening' || Number.isFinite(notice)),
        );
      });
    },

    async onceCount(ns) {
      const counts = await each(ns, (keys) => Promise.all([client.zCard(keys.queue), client.zCard(keys.claims)]));
      const queued = counts.reduce((sum, [q]) => sum + q, 0);
      const claimed = counts.reduce((sum, [, c]) => sum + c, 0);
      return { scheduled: queued + claimed, claimed };
    },
  };
}
