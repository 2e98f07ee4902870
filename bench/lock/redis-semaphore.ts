import { Redis } from 'ioredis';
import { defaultTimeoutOptions, Mutex } from 'redis-semaphore';
import type { LockAdapter, LockWorker, RedisTarget } from './adapter.js';

/**
 * redis-semaphore's Mutex over one ioredis client per worker, default settings (lockTimeout
 * 10 s, acquireTimeout 10 s, retryInterval 10 ms, refreshInterval 0.8 × lockTimeout).
 */
export function redisSemaphoreAdapter(target: RedisTarget, version: string): LockAdapter {
  return {
    name: 'redis-semaphore',
    library: `redis-semaphore@${version}`,
    settings: {
      // the library's exported defaults, as installed; nothing is overridden
      lockTimeoutMs: defaultTimeoutOptions.lockTimeout,
      acquireTimeoutMs: defaultTimeoutOptions.acquireTimeout,
      acquireAttemptsLimit: String(defaultTimeoutOptions.acquireAttemptsLimit),
      retryIntervalMs: defaultTimeoutOptions.retryInterval,
      refreshIntervalMs: Math.round(defaultTimeoutOptions.lockTimeout * 0.8),
      note: 'defaults; acquire() rejects after acquireTimeout, the worker then calls it again',
      client: 'ioredis, one connection per worker',
    },
    async worker(): Promise<LockWorker> {
      const client = new Redis({ host: target.host, port: target.port, lazyConnect: true });
      client.on('error', (error: unknown) => console.error('bench redis-semaphore: connection error', error));
      await client.connect();
      const mutexes = new Map<string, Mutex>();
      const mutexOf = (key: string) => {
        let mutex = mutexes.get(key);
        if (!mutex) mutexes.set(key, (mutex = new Mutex(client, `bench:${key}`)));
        return mutex;
      };
      return {
        lock: (key) => mutexOf(key).acquire(),
        unlock: (key) => mutexOf(key).release(),
        close: async () => {
          for (const mutex of mutexes.values()) mutex.stopRefresh();
          await client.quit();
        },
      };
    },
  };
}
