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
  acquire(): Promise<unknown>;
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
 * Runs `write` with `WAIT replicas timeout` sent right behind each command it issues, in the
 * same tick, so that WAIT goes out on the connection that carried the write and counts it
 * (WAIT only counts the writes of its own connection): the slot's master connection on a
 * cluster; under Sentinel, the master connection node-redis shares among commands in flight
 * (a `sentinel.acquire()` lease would cost tens of ms per call); the client itself otherwise.
 * A script that falls back from `EVALSHA` to `EVAL` gets a WAIT behind the `EVAL` as well;
 * the last one counts. Resolves with what `write` returned and how many replicas acknowledged it.
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
  const connection = isCluster(client) ? await client.getNodeClientForKey(key) : (client as unknown as WaitingConnection);
  let lastWait: Promise<number> = Promise.resolve(0);
  const waitBehind = <R>(sent: Promise<R>): Promise<R> => {
    lastWait = connection.wait(replicas, timeout);
    lastWait.catch(() => undefined); // a WAIT behind a write that failed is not read
    return sent;
  };
  const result = await write({
    evalSha: (sha1, options) => waitBehind(connection.evalSha(sha1, options)),
    eval: (script, options) => waitBehind(connection.eval(script, options)),
  });
  return { result, acked: await lastWait };
}
