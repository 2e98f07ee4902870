import { Queue, Worker } from 'bullmq';
import type { RedisTarget } from '../lock/adapter.js';
import type { BenchProps, OnceAdapter, OnceProducer, OnceRunner, OnRun } from './adapter.js';

const QUEUE = 'bench';

/**
 * BullMQ delayed jobs with default settings: a Queue adds each job with `delay = runAt −
 * Date.now()` and `jobId` = the job's key (so that it can be found or removed by key, as a
 * run-once job can); each runner is one Worker with its own connections.
 */
export function bullmqAdapter(target: RedisTarget, version: string): OnceAdapter {
  const connection = { host: target.host, port: target.port };
  const adapter: OnceAdapter = {
    name: 'bullmq',
    library: `bullmq@${version}`,
    settings: {
      jobOptions: 'delay = runAt − Date.now(), jobId = key; everything else default (completed jobs are kept)',
      client: 'ioredis, connections opened by BullMQ (a Worker has a blocking one too)',
    },
    async runner(onRun: OnRun): Promise<OnceRunner> {
      const worker = new Worker<BenchProps>(
        QUEUE,
        async (job) => {
          onRun(job.id ?? '', job.data.runAt);
        },
        { connection },
      );
      worker.on('error', (error) => console.error('bench bullmq: worker error', error));
      await worker.waitUntilReady();
      const { concurrency, drainDelay, stalledInterval, lockDuration, maxStalledCount } = worker.opts;
      // the settings in force, as the Worker reports them (its defaults: nothing is overridden)
      Object.assign(adapter.settings, {
        concurrency: concurrency ?? 'unset',
        drainDelaySec: drainDelay ?? 'unset',
        stalledIntervalMs: stalledInterval ?? 'unset',
        lockDurationMs: lockDuration ?? 'unset',
        maxStalledCount: maxStalledCount ?? 'unset',
      });
      return { close: () => worker.close() };
    },
    async producer(): Promise<OnceProducer> {
      const queue = new Queue<BenchProps>(QUEUE, { connection });
      queue.on('error', (error) => console.error('bench bullmq: queue error', error));
      await queue.waitUntilReady();
      return {
        schedule: async (key, runAt, props) => {
          await queue.add('once', props, { jobId: key, delay: Math.max(0, runAt - Date.now()) });
        },
        close: () => queue.close(),
      };
    },
  };
  return adapter;
}
