import type { RedisClientLike } from '../stores/redis-store.js';
import { CliError } from './cli-error.js';

/** A connected client the CLI can close. */
export type CliRedisClient = RedisClientLike & { close(): Promise<unknown>; destroy(): void };

/**
 * Connects to the Redis at `url` for one command: a bad URL or an unreachable server is a
 * `CliError` naming it, after at most `timeout` ms, never a retry loop.
 *
 * @example
 * ```ts
 * const client = await connectToRedis('redis://127.0.0.1:6380');
 * ```
 */
export async function connectToRedis(url: string, timeout = 3_000): Promise<CliRedisClient> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`Invalid --redis URL ${JSON.stringify(url)}: expected redis://host:port`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CliError(`Invalid --redis URL ${JSON.stringify(url)}: the scheme must be redis:// or rediss://`);
  }
  // loaded here so that the demo on the embedded store runs without the redis package
  const { createClient } = await import('redis');
  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({ url, socket: { connectTimeout: timeout, reconnectStrategy: false } });
  } catch (error) {
    // node-redis parses the URL itself, stricter than URL (the path must be a database number)
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`Invalid --redis URL ${JSON.stringify(url)}: ${reason}; expected redis://host:port or redis://host:port/db`);
  }
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`Cannot reach Redis at ${url}: ${reason}`);
  }
  return client as unknown as CliRedisClient;
}
