import { createCluster, createSentinel } from 'redis';
import type { RedisClusterNodes } from './redis-cluster.js';
import type { SentinelGroup } from './redis-sentinel.js';

/**
 * A connected node-redis cluster client on the nodes a test started; errors are left to the
 * commands that fail (a client without an `error` listener would crash the process).
 *
 * @example
 * ```ts
 * const redis = await connectCluster(nodes);
 * const store = redisStore(redis);
 * ```
 */
export function connectCluster(nodes: Pick<RedisClusterNodes, 'rootNodes'>) {
  const client = createCluster({ rootNodes: nodes.rootNodes });
  client.on('error', () => undefined);
  return client.connect();
}

/**
 * A connected node-redis Sentinel client on a group a test started: it asks the sentinels
 * for the master and follows it through failovers.
 *
 * @example
 * ```ts
 * const redis = await connectSentinel(group);
 * const store = redisStore(redis, { waitForReplicas: { replicas: 1, timeout: 1_000 } });
 * ```
 */
export function connectSentinel(group: Pick<SentinelGroup, 'name' | 'sentinelRootNodes'>) {
  const client = createSentinel({ name: group.name, sentinelRootNodes: group.sentinelRootNodes });
  client.on('error', () => undefined);
  return client.connect();
}

export type TestClusterClient = Awaited<ReturnType<typeof connectCluster>>;
export type TestSentinelClient = Awaited<ReturnType<typeof connectSentinel>>;
