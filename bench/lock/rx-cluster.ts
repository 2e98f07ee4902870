import { createClient } from 'redis';
import type { Mutex } from '../../lib/index.js';
import type { LoadedRxCluster } from '../rx-cluster-module.js';
import type { LockAdapter, LockWorker, RedisTarget } from './adapter.js';

/** rx-cluster's Mutex with its defaults (ttl 15 s, refresh every ttl / 2); one Cluster and client per worker. */
export function rxClusterAdapter(target: RedisTarget, rx: LoadedRxCluster): LockAdapter {
  const { createCluster, redisStore } = rx.module;
  return {
    name: 'rx-cluster',
    library: 'rx-cluster (this repository)',
    settings: {
      code: rx.source,
      ttlMs: 15_000,
      refreshIntervalMs: 7_500,
      wakeUp: 'release notification (pub/sub); fallback timer at the holder ttl',
      client: 'node-redis, one connection per worker plus the store subscriber connection',
    },
    async worker(): Promise<LockWorker> {
      const client = createClient({ url: target.url });
      client.on('error', (error: unknown) => console.error('bench rx-cluster: connection error', error));
      await client.connect();
      const cluster = createCluster({ store: redisStore(client), namespace: 'bench' });
      const mutexes = new Map<string, Mutex>();
      const mutexOf = (key: string) => {
        let mutex = mutexes.get(key);
        if (!mutex) mutexes.set(key, (mutex = cluster.mutex(key)));
        return mutex;
      };
      return {
        lock: async (key) => {
          await mutexOf(key).lock();
        },
        unlock: (key) => mutexOf(key).unlock(),
        close: async () => {
          await cluster.close();
          await client.close();
        },
      };
    },
  };
}
