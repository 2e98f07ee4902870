import { createHash, randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { sleep } from '../time.js';
import type { LockAdapter, LockWorker, RedisTarget } from './adapter.js';

/** ms the floor lock lives: long enough never to expire during a scenario. */
const TTL = 10_000;
/** ms between attempts while the lock is held. */
const POLL = 10;
/** ms a lock() call waits at most before it gives up. */
const GIVE_UP = 30_000;

const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const SHA1 = createHash('sha1').update(COMPARE_AND_DELETE).digest('hex');

/**
 * The raw Redis floor: the smallest correct lock one can write by hand. Acquire is
 * `SET key token NX PX ttl`, retried every 10 ms while held; release is a compare-and-delete
 * Lua script (EVALSHA, EVAL on NOSCRIPT). No fencing, no refresh, no notifications.
 */
export function floorAdapter(target: RedisTarget): LockAdapter {
  return {
    name: 'floor',
    library: 'hand-written, node-redis',
    settings: { ttlMs: TTL, pollMs: POLL, giveUpMs: GIVE_UP, client: 'node-redis, one connection per worker' },
    async worker(): Promise<LockWorker> {
      const client = createClient({ url: target.url });
      client.on('error', (error: unknown) => console.error('bench floor: connection error', error));
      await client.connect();
      const tokens = new Map<string, string>();
      const redisKey = (key: string) => `floor:lock:${key}`;
      return {
        async lock(key) {
          const token = randomUUID();
          const giveUpAt = Date.now() + GIVE_UP;
          for (;;) {
            const reply = await client.set(redisKey(key), token, { condition: 'NX', expiration: { type: 'PX', value: TTL } });
            if (reply === 'OK') {
              tokens.set(key, token);
              return;
            }
            if (Date.now() > giveUpAt) throw new Error(`floor: gave up locking ${key} after ${GIVE_UP} ms`);
            await sleep(POLL);
          }
        },
        async unlock(key) {
          const token = tokens.get(key);
          if (token === undefined) throw new Error(`floor: ${key} is not held`);
          tokens.delete(key);
          const options = { keys: [redisKey(key)], arguments: [token] };
          try {
            await client.evalSha(SHA1, options);
          } catch (error) {
            if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
            await client.eval(COMPARE_AND_DELETE, options);
          }
        },
        close: async () => {
          await client.close();
        },
      };
    },
  };
}
