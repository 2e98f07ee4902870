import { Redis } from 'ioredis';
import Redlock, { type Lock } from 'redlock';
import type { LockAdapter, LockWorker, RedisTarget } from './adapter.js';

/** redlock has no default lock duration; this is the one every call asks for. */
const DURATION = 10_000;

/**
 * redlock 5.0.0-beta.2 over one ioredis client per worker, default settings
 * (driftFactor 0.01, retryCount 10, retryDelay 200 ms, retryJitter 100 ms).
 */
export function redlockAdapter(target: RedisTarget): LockAdapter {
  const adapter: LockAdapter = {
    name: 'redlock',
    library: 'redlock@5.0.0-beta.2',
    settings: {
      durationMs: DURATION,
      note: 'defaults; duration has none and is set here; acquire() rejects after its retries, the worker then calls it again',
      client: 'ioredis, one connection per worker',
    },
    async worker(): Promise<LockWorker> {
      const client = new Redis({ host: target.host, port: target.port, lazyConnect: true });
      client.on('error', (error: unknown) => console.error('bench redlock: connection error', error));
      await client.connect();
      const redlock = new Redlock([client]);
      // the settings in force, as the library reports them (its defaults: nothing is overridden)
      Object.assign(adapter.settings, redlock.settings);
      const held = new Map<string, Lock>();
      return {
        async lock(key) {
          held.set(key, await redlock.acquire([`redlock:${key}`], DURATION));
        },
        async unlock(key) {
          const lock = held.get(key);
          if (!lock) throw new Error(`redlock: ${key} is not held`);
          held.delete(key);
          await lock.release();
        },
        close: async () => {
          await client.quit();
        },
      };
    },
  };
  return adapter;
}
