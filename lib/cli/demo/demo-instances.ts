import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCluster, type Cluster } from '../../cluster.js';
import type { Logger } from '../../logger.js';
import type { ClusterStore } from '../../stores/store.js';
import type { DemoEvent, DemoSettings } from './demo-event.js';
import { startDemoInstance } from './demo-instance.js';
import { severableStore } from '../../stores/severable-store.js';

/** The demo's instances, wherever they run. */
export interface DemoInstances {
  /** Crashes one instance: it stops talking to the store (or its process is SIGKILLed). */
  crash(name: string): Promise<void>;
  /** Stops every instance cleanly: streams ended, locks released, processes exited. */
  stop(): Promise<void>;
}

type Record = (event: Omit<DemoEvent, 't'>) => void;

const instanceName = (i: number) => `i${i + 1}`;

/**
 * N instances in this process, each a Cluster on the shared store behind a switch that can
 * cut it off: an instance cut off is as good as crashed, and its lock expires after its ttl.
 *
 * @example
 * ```ts
 * const instances = startLocalInstances({ count: 3, store: memoryStore(), namespace: 'demo', settings, record, logger });
 * ```
 */
export function startLocalInstances(options: {
  count: number;
  store: ClusterStore;
  namespace: string;
  settings: DemoSettings;
  record: Record;
  logger: Logger;
}): DemoInstances {
  const crashed = new Set<string>();
  const instances = Array.from({ length: options.count }, (_, i) => {
    const name = instanceName(i);
    const link = severableStore(options.store);
    const cluster: Cluster = createCluster({ store: link.store, namespace: options.namespace, logger: options.logger });
    const running = startDemoInstance(cluster, options.settings, (event) => {
      if (!crashed.has(name)) options.record({ ...event, instance: name });
    });
    return { name, link, cluster, running };
  });
  return {
    async crash(name) {
      const instance = instances.find((each) => each.name === name);
      crashed.add(name);
      instance?.link.sever();
    },
    async stop() {
      for (const instance of instances) instance.running.unsubscribe();
      await Promise.all(instances.map((instance) => instance.cluster.close()));
    },
  };
}

/** The CLI entry point that child instances run. */
const CLI_MAIN = fileURLToPath(new URL('../bin.js', import.meta.url));

/**
 * N child processes, each a Cluster on its own Redis connection, reporting over IPC. A crash
 * is a SIGKILL: the process gets no chance to release anything.
 *
 * @example
 * ```ts
 * const instances = await startChildInstances({ count: 3, url: 'redis://127.0.0.1:6380', namespace: 'demo-1', settings, record });
 * ```
 */
export async function startChildInstances(options: {
  count: number;
  url: string;
  namespace: string;
  settings: DemoSettings;
  record: Record;
}): Promise<DemoInstances> {
  const children = new Map<string, ChildProcess>();
  const ready: Array<Promise<void>> = [];
  for (let i = 0; i < options.count; i += 1) {
    const name = instanceName(i);
    const args = ['demo-instance', '--redis', options.url, '--namespace', options.namespace, '--name', name, '--settings', JSON.stringify(options.settings)];
    // a process group of its own: Ctrl-C reaches the parent only, which stops each instance in order
    const child = fork(CLI_MAIN, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [], detached: true });
    children.set(name, child);
    ready.push(
      new Promise((resolve, reject) => {
        child.on('message', (message: Omit<DemoEvent, 't' | 'instance'> | 'ready') => {
          if (message === 'ready') resolve();
          else options.record({ ...message, instance: name });
        });
        child.once('exit', (code) => reject(new Error(`demo instance ${name} exited with code ${code} before it was ready`)));
      }),
    );
  }
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopAll = async () => {
    await Promise.all(
      [...children.values()].map(async (child) => {
        if (child.connected) child.send('stop');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited(child);
        clearTimeout(killer);
      }),
    );
  };
  try {
    await Promise.all(ready);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    async crash(name) {
      const child = children.get(name);
      child?.kill('SIGKILL');
      if (child) await exited(child);
    },
    stop: stopAll,
  };
}
