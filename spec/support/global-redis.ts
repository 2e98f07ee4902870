import { startRedisServer, type RedisServer } from './redis-server.js';

/*
 * Mocha global fixture: one private redis-server for the whole run, on a free loopback port,
 * unless REDIS_URL names one. Specs read the URL with `redisUrl()`.
 */
let server: RedisServer | null = null;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.REDIS_URL) {
    process.env.RX_CLUSTER_TEST_REDIS_URL = process.env.REDIS_URL;
    return;
  }
  server = await startRedisServer();
  process.env.RX_CLUSTER_TEST_REDIS_URL = server.url;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await server?.stop();
  server = null;
}
