import { packageVersion } from './environment.js';
import type { LockAdapter, RedisTarget } from './lock/adapter.js';
import { floorAdapter } from './lock/floor.js';
import { redisSemaphoreAdapter } from './lock/redis-semaphore.js';
import { redlockAdapter } from './lock/redlock.js';
import { rxClusterAdapter } from './lock/rx-cluster.js';
import type { OnceAdapter } from './once/adapter.js';
import { bullmqAdapter } from './once/bullmq.js';
import { rxClusterOnceAdapter } from './once/rx-cluster.js';
import type { LoadedRxCluster } from './rx-cluster-module.js';

/** Every lock adapter, the floor first. */
export function lockAdapters(target: RedisTarget, rx: LoadedRxCluster): LockAdapter[] {
  return [
    floorAdapter(target),
    rxClusterAdapter(target, rx),
    redlockAdapter(target),
    redisSemaphoreAdapter(target, packageVersion('redis-semaphore')),
  ];
}

/** Every scheduler adapter. */
export function onceAdapters(target: RedisTarget, rx: LoadedRxCluster): OnceAdapter[] {
  return [rxClusterOnceAdapter(target, rx), bullmqAdapter(target, packageVersion('bullmq'))];
}
