import { createClient } from 'redis';

/**
 * Sends one command to the Redis (or sentinel) process on 127.0.0.1:`port` over a fresh
 * connection that never reconnects, and resolves with the raw reply. For harnesses that
 * watch nodes come up, fail over or replicate; not for hot paths.
 *
 * @example
 * ```ts
 * const info = String(await askNode(port, ['CLUSTER', 'INFO']));
 * ```
 */
export async function askNode(port: number, command: string[]): Promise<unknown> {
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.sendCommand(command);
  } finally {
    client.destroy();
  }
}

/**
 * `askNode`, but resolves with `null` instead of rejecting when the node cannot answer.
 *
 * @example
 * ```ts
 * await waitFor('the node', async () => (await tryAskNode(port, ['PING'])) === 'PONG');
 * ```
 */
export function tryAskNode(port: number, command: string[]): Promise<unknown> {
  return askNode(port, command).catch(() => null);
}

/**
 * The `field:value` lines of an INFO-style reply as a map.
 *
 * @example
 * ```ts
 * infoFields(await askNode(port, ['INFO', 'replication'])).get('role'); // 'master'
 * ```
 */
export function infoFields(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(reply ?? '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/**
 * A map reply (SENTINEL MASTER: a RESP3 map, or a flat `[name, value, …]` array in RESP2) as a map.
 *
 * @example
 * ```ts
 * pairs(await askNode(sentinelPort, ['SENTINEL', 'MASTER', name])).get('num-slaves'); // '1'
 * ```
 */
export function pairs(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  } else if (reply instanceof Map) {
    for (const [name, value] of reply) map.set(String(name), String(value));
  } else if (typeof reply === 'object' && reply !== null) {
    for (const [name, value] of Object.entries(reply)) map.set(name, String(value));
  }
  return map;
}
