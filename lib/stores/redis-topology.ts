import type { ScriptRunner } from './lua-script.js';

/** What kind of deployment a node-redis client talks to. */
export type RedisTopology = 'standalone' | 'cluster' | 'sentinel';

/** A connection that can run a script and then `WAIT` for replicas on that same connection. */
export interface WaitingConnection extends ScriptRunner {
  wait(replicas: number, timeout: number): Promise<number>;
}

interface ClusterClient {
  masters: unknown;
  getNodeClientForKey(key: string): Promise<WaitingConnection>;
}

interface SentinelClient {
  getMasterNode(): unknown;
  acquire(): Promise<WaitingConnection & { release(): void }>;
}

const isCluster = (client: object): client is ClusterClient =>
  'masters' in client && typeof (client as Partial<ClusterClient>).getNodeClientForKey === 'function';

const isSentinel = (client: object): client is SentinelClient =>
  typeof (client as Partial<SentinelClient>).acquire === 'function' &&
  typeof (client as Partial<SentinelClient>).getMasterNode === 'function';

/**
 * Tells a node-redis `createCluster()` or `createSentinel()` client from a `createClient()` one,
 * by the methods only those have.
 *
 * @example
 * ```ts
 * topologyOf(createCluster({ rootNodes })); // 'cluster'
 * ```
 */
export function topologyOf(client: object): RedisTopology {
  if (isCluster(client)) return 'cluster';
  if (isSentinel(client)) return 'sentinel';
  return 'standalone';
}

/**
 * Runs `write` and then `WAIT replicas timeout` on one and the same connection, as WAIT
 * only counts the writes of its own connection: the slot's master connection on a cluster,
 * a leased master connection under Sentinel, the client itself otherwise. Resolves with what
 * `write` returned and how many replicas acknowledged it.
 *
 * @example
 * ```ts
 * const { result, acked } = await writeThenWait(client, lockKey, (c) => acquireLock(c, keys, args), 1, 100);
 * ```
 */
export async function writeThenWait<T>(
  client: ScriptRunner & object,
  key: string,
  write: (connection: ScriptRunner) => Promise<T>,
  replicas: number,
  timeout: number,
): Promise<{ result: T; acked: number }> {
  if (isSentinel(client)) {
    const lease = await client.acquire();
    try {
      const result = await write(lease);
      return { result, acked: await lease.wait(replicas, timeout) };
    } finally {
      lease.release();
    }
  }
  const connection = isCluster(client) ? await client.getNodeClientForKey(key) : (client as unknown as WaitingConnection);
  const result = await write(connection);
  return { result, acked: await connection.wait(replicas, timeout) };
}
