import { randomUUID } from 'node:crypto';
import { createCluster, type Cluster, type ClusterOptions } from '../../lib/cluster.js';
import { redisStore, type RedisStoreOptions } from '../../lib/stores/redis-store.js';
import { startSentinelGroup, type SentinelGroup } from './redis-sentinel.js';
import { RecordingLogger } from './store-kit.js';
import { connectSentinel, type TestSentinelClient } from './topology-clients.js';

/**
 * Cluster members on a Sentinel group, each on its own `createSentinel()` client and
 * redisStore, as separate processes would be, in one fresh namespace; `close()` closes them
 * all (clusters, stores, clients).
 *
 * @example
 * ```ts
 * const members = new SentinelMembers(group);
 * const a = await members.join({ waitForReplicas: { replicas: 1, timeout: 500 } });
 * await members.close();
 * ```
 */
export class SentinelMembers {
  readonly namespace = `fault-${randomUUID().slice(0, 8)}`;
  readonly logger = new RecordingLogger();
  private readonly clusters: Cluster[] = [];
  private readonly clients: TestSentinelClient[] = [];

  constructor(private readonly group: SentinelGroup) {}

  async join(storeOptions: Omit<RedisStoreOptions, 'logger'> = {}, options: Omit<ClusterOptions, 'store' | 'namespace'> = {}): Promise<Cluster> {
    const client = await connectSentinel(this.group);
    this.clients.push(client);
    const store = redisStore(client, { ...storeOptions, logger: this.logger });
    const cluster = createCluster({ logger: this.logger, ...options, store, namespace: this.namespace });
    this.clusters.push(cluster);
    return cluster;
  }

  async close(): Promise<void> {
    await Promise.all(this.clusters.splice(0).map((cluster) => cluster.close()));
    await Promise.all(this.clients.splice(0).map((client) => client.close().catch(() => undefined)));
  }
}

/**
 * For a `describe` whose tests each need their own Sentinel group: the returned function
 * starts a group and its members; an `afterEach` hook closes the members, then stops the group.
 *
 * @example
 * ```ts
 * const startGroup = sentinelGroupPerTest();
 * it('…', async () => {
 *   const { group, members } = await startGroup();
 * });
 * ```
 */
export function sentinelGroupPerTest(): () => Promise<{ group: SentinelGroup; members: SentinelMembers }> {
  let started: { group: SentinelGroup; members: SentinelMembers } | null = null;
  afterEach(async () => {
    if (!started) return;
    const { group, members } = started;
    started = null;
    await members.close();
    await group.stop();
  });
  return async () => {
    const group = await startSentinelGroup();
    started = { group, members: new SentinelMembers(group) };
    return started;
  };
}
