import { createClient } from 'redis';

/** The URL of the suite's redis-server (the global fixture's, or REDIS_URL). */
export function redisUrl(): string {
  const url = process.env.RX_CLUSTER_TEST_REDIS_URL;
  if (!url) throw new Error('The redis-server fixture did not start: run the specs with `npm test`.');
  return url;
}

/** A connected node-redis client; the caller closes it. */
export async function connectRedis(url = redisUrl()) {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export type TestRedisClient = Awaited<ReturnType<typeof connectRedis>>;
