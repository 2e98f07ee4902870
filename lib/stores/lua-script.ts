import { createHash } from 'node:crypto';

/** The commands a Redis client must offer to run scripts: node-redis clients and cluster clients do. */
export interface ScriptRunner {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** A Lua script bound to its key and argument shape, run by `EVALSHA` with `EVAL` fallback. */
export type LuaScript<Keys extends string[], Args extends string[], Reply> = (
  client: ScriptRunner,
  keys: Keys,
  args: Args,
) => Promise<Reply>;

/**
 * Wraps a Lua script: its SHA1 is computed once; `EVALSHA` runs it, and on `NOSCRIPT` (a
 * restarted or flushed server) `EVAL` runs and reloads it.
 *
 * @example
 * ```ts
 * const get = defineScript<[key: string], [], string | null>(`return redis.call('GET', KEYS[1])`);
 * await get(client, ['a'], []);
 * ```
 */
export function defineScript<Keys extends string[], Args extends string[], Reply>(
  source: string,
): LuaScript<Keys, Args, Reply> {
  const sha1 = createHash('sha1').update(source).digest('hex');
  // plain promise chaining, no async wrapper: every lock and release goes through here
  return (client, keys, args) => {
    const options = { keys, arguments: args };
    let reply: Promise<unknown>;
    try {
      reply = client.evalSha(sha1, options);
    } catch (error) {
      // a client that throws instead of rejecting still yields a rejected promise
      return Promise.reject(error);
    }
    return reply.catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(source, options);
    }) as Promise<Reply>;
  };
}
