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
  return async (client, keys, args) => {
    const options = { keys, arguments: args };
    try {
      return (await client.evalSha(sha1, options)) as Reply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await client.eval(source, options)) as Reply;
    }
  };
}
