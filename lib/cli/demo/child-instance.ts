import { createClient } from 'redis';
import { createCluster } from '../../cluster.js';
import type { Logger } from '../../logger.js';
import { redisStore } from '../../stores/redis-store.js';
import type { DemoSettings } from './demo-event.js';
import { startDemoInstance } from './demo-instance.js';

const quietLogger: Logger = { error: () => undefined };

/**
 * One demo instance as a child process: runs the demo streams against Redis, reports every
 * event to the parent over IPC, and stops cleanly (locks released) when told to or when the
 * parent goes away.
 *
 * @example
 * ```ts
 * await runChildInstance({ url: 'redis://127.0.0.1:6380', namespace: 'demo-1', name: 'i1', settings });
 * ```
 */
export async function runChildInstance(options: { url: string; namespace: string; name: string; settings: DemoSettings }): Promise<void> {
  const client = createClient({ url: options.url });
  client.on('error', () => undefined);
  await client.connect();
  const cluster = createCluster({ store: redisStore(client, { logger: quietLogger }), namespace: options.namespace, logger: quietLogger });
  const running = startDemoInstance(cluster, options.settings, (event) => process.send?.(event));
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      running.unsubscribe();
      await cluster.close();
      await client.close().catch(() => undefined);
      if (process.connected) process.disconnect();
    })());
  process.on('message', (message) => message === 'stop' && void stop());
  process.once('disconnect', () => void stop());
  process.once('SIGTERM', () => void stop());
  process.send?.('ready');
}
