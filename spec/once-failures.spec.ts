import { expect } from 'chai';
import { asyncScheduler, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { createCluster } from '../lib/cluster.js';
import { memoryStore } from '../lib/stores/memory-store.js';
import type { ClusterStore } from '../lib/stores/store.js';
import { eventsOf, record, type Seen } from './once-kit.js';
import { RecordingLogger } from './support/store-kit.js';
import { waitFor } from './support/wait-for.js';

/** A memory store whose next `failures[op]` calls of each listed operation reject. */
function flakyStore(failures: Partial<Record<'onceClaim' | 'onceAck', number>>): ClusterStore {
  const inner = memoryStore();
  const left = { onceClaim: 0, onceAck: 0, ...failures };
  const failOr = <T>(op: keyof typeof left, call: () => Promise<T>): Promise<T> =>
    left[op]-- > 0 ? Promise.reject(new Error(`injected ${op} failure`)) : call();
  return {
    ...inner,
    onceClaim: (...args) => failOr('onceClaim', () => inner.onceClaim(...args)),
    onceAck: (...args) => failOr('onceAck', () => inner.onceAck(...args)),
  };
}

/** asyncScheduler, keeping every timer it arms, so a test can see which are still pending. */
function recordingScheduler() {
  const timers: Array<{ delay: number; timer: Subscription }> = [];
  const scheduler: SchedulerLike = {
    now: () => asyncScheduler.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      const timer = asyncScheduler.schedule(work, delay, state);
      timers.push({ delay, timer });
      return timer;
    },
  };
  return { scheduler, timers };
}

describe('once with a failing store', () => {
  it('once.runs$ reports store failures (store-error, logger), backs off and retries: no job lost, no error', async function () {
    this.timeout(10_000);
    const logger = new RecordingLogger();
    const a = createCluster({ store: flakyStore({ onceClaim: 1, onceAck: 1 }), namespace: 'flaky', logger });
    try {
      const storeErrors = eventsOf(a, 'store-error');
      const seen: Seen[] = [];
      let failed: unknown = null;
      a.once.runs$.subscribe({ error: (error: unknown) => (failed = error) });
      record(a, 'a', seen);
      await a.once.schedule('survivor', Date.now());
      await waitFor('the job, after the claim back-off', () => seen.length === 1, 4_000);
      await waitFor('the job to be removed, after the ack back-off', async () => (await a.once.get('survivor')) === null, 4_000);
      expect(seen.map((run) => [run.key, run.attempt])).to.deep.equal([['survivor', 1]]);
      expect(storeErrors.map((event) => [event.operation, event.key])).to.deep.equal([
        ['onceClaim', ''],
        ['onceAck', 'survivor'],
      ]);
      expect(storeErrors.every((event) => (event.retryIn ?? 0) >= 1_000), 'backed off').to.equal(true);
      expect(logger.errors).to.have.length(2);
      expect(failed).to.equal(null);
    } finally {
      await a.close();
    }
  });

  it('close() cancels the retry of a failed ack: no timer outlives the cluster', async () => {
    const { scheduler, timers } = recordingScheduler();
    const logger = new RecordingLogger();
    const a = createCluster({ store: flakyStore({ onceAck: 1 }), namespace: 'flaky-close', logger, scheduler });
    const storeErrors = eventsOf(a, 'store-error');
    const seen: Seen[] = [];
    record(a, 'a', seen);
    await a.once.schedule('unacked', Date.now());
    await waitFor('the failed ack', () => storeErrors.some((event) => event.operation === 'onceAck'), 2_000);
    const retryIn = storeErrors.find((event) => event.operation === 'onceAck')!.retryIn;
    const retries = timers.filter(({ delay }) => delay === retryIn);
    expect(retries, 'the ack retry timer').to.have.length(1);
    expect(retries[0]!.timer.closed, 'pending before close').to.equal(false);
    await a.close();
    expect(retries[0]!.timer.closed, 'cancelled by close').to.equal(true);
    expect(seen.map((run) => run.key)).to.deep.equal(['unacked']);
  });
});
