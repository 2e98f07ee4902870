import { createClient } from 'redis';
import type { Cluster } from '../../lib/index.js';
import type { RedisTarget } from '../lock/adapter.js';
import type { LoadedRxCluster, RxCluster } from '../rx-cluster-module.js';
import type { OnceAdapter, OnceProducer, OnceRunner, OnRun } from './adapter.js';

async function connect(rx: RxCluster, target: RedisTarget): Promise<{ cluster: Cluster; close: () => Promise<void> }> {
  const { createCluster, redisStore } = rx;
  const client = createClient({ url: target.url });
  client.on('error', (error: unknown) => console.error('bench rx-cluster once: connection error', error));
  await client.connect();
  const cluster = createCluster({ store: redisStore(client), namespace: 'bench' });
  return {
    cluster,
    close: async () => {
      await cluster.close();
      await client.close();
    },
  };
}

/** rx-cluster `once` with its defaults; each runner is one Cluster with its own client, subscribed to `runs$`. */
export function rxClusterOnceAdapter(target: RedisTarget, rx: LoadedRxCluster): OnceAdapter {
  return {
    name: 'rx-cluster',
    library: 'rx-cluster (this repository)',
    settings: {
      code: rx.source,
      claimTtlMs: 30_000,
      pollIntervalMs: 5_000,
      handler: 'runs$.subscribe(): the job is acked when next() returns',
      client: 'node-redis, one connection per instance plus the store subscriber connection',
    },
    async runner(onRun: OnRun): Promise<OnceRunner> {
      const { cluster, close } = await connect(rx.module, target);
      const subscription = cluster.once.runs$.subscribe((run) => onRun(run.key, run.runAt.getTime()));
      return {
        close: async () => {
          subscription.unsubscribe();
          await close();
        },
      };
    },
    async producer(): Promise<OnceProducer> {
      const { cluster, close } = await connect(rx.module, target);
      return {
        schedule: async (key, runAt, props) => {
          await cluster.once.schedule(key, runAt, props);
        },
        close,
      };
    },
  };
}
