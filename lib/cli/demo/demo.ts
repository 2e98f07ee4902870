import { randomUUID } from 'node:crypto';
import { createCluster } from '../../cluster.js';
import type { Logger } from '../../logger.js';
import { memoryStore } from '../../stores/memory-store.js';
import { redisStore } from '../../stores/redis-store.js';
import { connectToRedis } from '../redis-connection.js';
import { DEFAULT_SETTINGS, type DemoEvent, type DemoSettings } from './demo-event.js';
import { startChildInstances, startLocalInstances, type DemoInstances } from './demo-instances.js';
import { checkDemo, type DemoCheck } from './summary.js';
import { timelinePrinter } from './timeline.js';

/** Options of `runDemo`. */
export interface DemoOptions {
  instances: number;
  /** Seconds. */
  duration: number;
  /** Run each instance as a child process against this Redis; else one process, one memoryStore. */
  redis?: string;
  colour: boolean;
  write: (line: string) => void;
  /** Aborting it (Ctrl-C) stops the demo early, cleanly. */
  signal?: AbortSignal;
  settings?: DemoSettings;
}

/** Background failures of demo instances are part of the show (a crashed instance), not noise. */
const quietLogger: Logger = { error: () => undefined };

const delay = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });

/**
 * Runs the live demo: N instances share a heartbeat `job$`, a `withClusterLock` leader stream
 * whose holder is crashed halfway, and a burst of `once` jobs; prints the timeline, then a
 * summary that checks what it showed. Resolves with the checks.
 *
 * @example
 * ```ts
 * const checks = await runDemo({ instances: 3, duration: 20, colour: true, write: console.log });
 * ```
 */
export async function runDemo(options: DemoOptions): Promise<DemoCheck[]> {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const started = Date.now();
  const events: DemoEvent[] = [];
  const print = timelinePrinter(options.colour, options.write);
  const record = (event: Omit<DemoEvent, 't'>) => {
    const stamped = { ...event, t: Date.now() - started };
    events.push(stamped);
    print(stamped);
  };
  const note = (text: string) => record({ instance: 'demo', kind: 'note', text });

  const namespace = options.redis ? `demo-${randomUUID().slice(0, 8)}` : 'demo';
  const client = options.redis ? await connectToRedis(options.redis) : null;
  const store = client ? redisStore(client, { logger: quietLogger }) : memoryStore();
  const control = createCluster({ store, namespace, logger: quietLogger });
  const where = client ? `${options.instances} processes on ${options.redis} (namespace ${namespace})` : `${options.instances} instances in this process, one memoryStore`;
  note(`starting ${where}`);

  let instances: DemoInstances | null = null;
  let crash: { instance: string; t: number } | null = null;
  const onceKeys: string[] = [];
  try {
    instances = client
      ? await startChildInstances({ count: options.instances, url: options.redis!, namespace, settings, record })
      : startLocalInstances({ count: options.instances, store, namespace, settings, record, logger: quietLogger });

    // the phases count from when every instance runs, however long start-up took
    const phases = Date.now();
    const duration = options.duration * 1_000;
    await delay(Math.min(1_500, duration / 4), options.signal);
    if (!options.signal?.aborted) {
      const dueAt = Date.now() + 1_000;
      for (let i = 1; i <= settings.onceJobs; i += 1) {
        const key = `reminder-${i}`;
        await control.once.schedule(key, dueAt + Math.round((i / settings.onceJobs) * 1_000), { n: i });
        onceKeys.push(key);
      }
      note(`scheduled ${settings.onceJobs} once jobs, due over the next 1-2 s`);
    }

    await delay(Math.max(0, phases + duration / 2 - Date.now()), options.signal);
    const leader = currentLeader(events);
    if (!options.signal?.aborted && leader) {
      await instances.crash(leader);
      crash = { instance: leader, t: Date.now() - started };
      record({ instance: leader, kind: 'crashed', text: client ? 'killed with SIGKILL' : 'crashed: cut off from the store' });
    }

    await delay(Math.max(0, phases + duration - Date.now()), options.signal);
    if (options.signal?.aborted) note('interrupted: stopping every instance');
  } finally {
    await instances?.stop();
    for (const key of onceKeys) await control.once.cancel(key).catch(() => false);
    await control.close();
    client?.destroy();
  }

  const checks = checkDemo({ events, settings, crash, onceKeys, end: Date.now() - started });
  options.write('');
  options.write('Summary');
  for (const check of checks) options.write(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.text}`);
  return checks;
}

/** The instance whose leader stream runs now, if any. */
function currentLeader(events: DemoEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const event = events[i]!;
    if (event.kind === 'leader-start') return event.instance;
    if (event.kind === 'leader-stop') return null;
  }
  return null;
}
