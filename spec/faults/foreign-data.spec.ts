import { expect } from 'chai';
import { firstValueFrom, filter, take } from 'rxjs';
import type { Cluster } from '../../lib/cluster.js';
import type { ClusterEvent } from '../../lib/events.js';
import { bucketOf, jobKey, lockKeys, onceKeys } from '../../lib/stores/redis-keys.js';
import type { ClusterStore } from '../../lib/stores/store.js';
import { catchingEscapes } from '../support/escapes.js';
import { RecordingLogger, StoreKit } from '../support/store-kit.js';
import { waitFor, within } from '../support/wait-for.js';

/** The events of `cluster`, as they come. */
function eventsOf(cluster: Cluster): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  cluster.events$.subscribe((event) => events.push(event));
  return events;
}

/** `store`, counting its acquire() calls. */
function countingAcquires(store: ClusterStore) {
  const counted = { calls: 0 };
  return { counted, store: { ...store, acquire: (...args: Parameters<ClusterStore['acquire']>) => ((counted.calls += 1), store.acquire(...args)) } };
}

/*
 * Data under the namespace that the library did not write: what an operator's slip, another
 * tool or a half-done migration leaves behind. Each case: the bad entry is reported once,
 * skipped or removed, the runner or waiter goes on without harm to Redis, and everything
 * else in the namespace keeps working.
 */
describe('fault suite: foreign data under the namespace', function () {
  this.timeout(20_000);
  const kit = new StoreKit('redis');
  let logger: RecordingLogger;
  beforeEach(() => {
    kit.reset();
    logger = new RecordingLogger();
  });
  afterEach(() => kit.cleanup());

  it('a once job whose value is not `runAt|JSON` is reported once (job-error) and removed; the other jobs fire', async () => {
    const raw = await kit.client();
    const a = await kit.instance({ logger });
    const events = eventsOf(a);
    const keys = onceKeys(kit.namespace);
    const now = Date.now();
    await raw.hSet(keys.jobs, { 'not-json': `${now}|{oops`, 'no-separator': 'garbage' });
    await raw.zAdd(keys.queue, [{ score: now, value: 'not-json' }, { score: now, value: 'no-separator' }]);
    await a.once.schedule('before', now - 1);
    await a.once.schedule('after', now + 300, { fine: true });
    const seen: string[] = [];
    await catchingEscapes(async (escaped) => {
      a.once.runs$.subscribe({ next: (run) => seen.push(run.key), error: (error: unknown) => escaped.push(error) });
      await waitFor('the good jobs', () => seen.length === 2, 3_000);
      await waitFor('the bad entries to be gone', async () => (await raw.hLen(keys.jobs)) === 0, 3_000);
      expect(escaped).to.deep.equal([]);
    });
    expect(seen).to.deep.equal(['before', 'after']);
    const reported = events.filter((event) => event.type === 'job-error').map((event) => event.key).sort();
    expect(reported).to.deep.equal(['no-separator', 'not-json']);
    expect(logger.errors.map((entry) => entry.fields?.key).sort()).to.deep.equal(['no-separator', 'not-json']);
    expect(await raw.zCard(keys.queue)).to.equal(0);
  });

  it('a once index key of the wrong type is logged once while it lasts; runs$ never errors and resumes when it is gone', async () => {
    const raw = await kit.client();
    const keys = onceKeys(kit.namespace);
    await raw.set(keys.queue, 'not a sorted set');
    const a = await kit.instance({ logger });
    const events = eventsOf(a);
    const seen: string[] = [];
    let failed: unknown = null;
    a.once.runs$.subscribe({ next: (run) => seen.push(run.key), error: (error: unknown) => (failed = error) });
    await waitFor('two failed claims', () => events.filter((event) => event.type === 'store-error').length >= 2, 6_000);
    const logged = logger.errors.length;
    await raw.del(keys.queue);
    await a.once.schedule('after-the-fix', Date.now());
    await waitFor('the runner to resume', () => seen.length === 1, 10_000);
    expect(failed).to.equal(null);
    expect(logged, 'log lines while the wrong type lasted').to.equal(1);
  });

  it('a once bucket whose index key has the wrong type holds back only its own jobs: the other buckets fire, it is logged once, runs$ never errors', async () => {
    const bucketed = new StoreKit('redis', undefined, { onceBuckets: 4 });
    bucketed.reset();
    try {
      const raw = await bucketed.client();
      await raw.set(onceKeys(bucketed.namespace, 0, 4).queue, 'not a sorted set');
      const healthy = Array.from({ length: 40 }, (_, i) => `job-${i}`).filter((key) => bucketOf(key, 4) !== 0);
      const a = await bucketed.instance({ logger });
      const seen: string[] = [];
      let failed: unknown = null;
      a.once.runs$.subscribe({ next: (run) => seen.push(run.key), error: (error: unknown) => (failed = error) });
      await Promise.all(healthy.map((key) => a.once.schedule(key, Date.now())));
      await waitFor('every job of the healthy buckets', () => seen.length === healthy.length, 5_000);
      expect([...seen].sort()).to.deep.equal([...healthy].sort());
      expect(failed).to.equal(null);
      const logged = bucketed.logger.errors.filter((entry) => entry.message.includes('failed in some buckets'));
      expect(logged, 'log lines while the bucket is broken').to.have.length(1);
    } finally {
      await bucketed.cleanup();
    }
  });

  it('a recurring job key of the wrong type is logged once while it lasts; job$ never errors, other jobs run, and it resumes when the key is gone', async () => {
    const raw = await kit.client();
    await raw.hSet(jobKey(kit.namespace, 'broken'), 'foreign', 'hash');
    const a = await kit.instance({ logger });
    const events = eventsOf(a);
    let brokenRuns = 0;
    let healthyRuns = 0;
    let failed: unknown = null;
    a.job$('broken', 100).subscribe({ next: () => (brokenRuns += 1), error: (error: unknown) => (failed = error) });
    a.job$('healthy', 100).subscribe(() => (healthyRuns += 1));
    await waitFor('two failed reads', () => events.filter((e) => e.type === 'store-error' && e.key === 'broken').length >= 2, 6_000);
    const logged = logger.errors.filter((entry) => entry.fields?.key === 'broken').length;
    expect(healthyRuns, 'the other job ran meanwhile').to.be.at.least(5);
    await raw.del(jobKey(kit.namespace, 'broken'));
    await waitFor('the broken job to run once its key is gone', () => brokenRuns > 0, 10_000);
    expect(failed).to.equal(null);
    expect(logged, 'log lines while the wrong type lasted').to.equal(1);
  });

  it("a recurring job's lastFinished that is not a number is logged once and the job goes on: job$ never errors", async () => {
    const raw = await kit.client();
    await raw.set(jobKey(kit.namespace, 'garbled'), 'yesterday');
    const a = await kit.instance({ logger });
    let runs = 0;
    let failed: unknown = null;
    a.job$('garbled', 100).subscribe({ next: () => (runs += 1), error: (error: unknown) => (failed = error) });
    await waitFor('job$ to run or to fail', () => runs >= 2 || failed !== null, 5_000);
    expect(failed, 'job$ errored on data it read from the store').to.equal(null);
    expect(logger.errors.length, 'log lines').to.be.at.most(1);
    const [lastFinished] = (await raw.get(jobKey(kit.namespace, 'garbled')))!.split('|'); // "lastFinished|nextDue"
    expect(Number(lastFinished)).to.be.closeTo(Date.now(), 5_000);
  });

  for (const [what, plant] of [
    ['a foreign string without a ttl', (raw: Awaited<ReturnType<StoreKit['client']>>, key: string) => raw.set(key, 'set by hand')],
    ['a key of the wrong type', (raw: Awaited<ReturnType<StoreKit['client']>>, key: string) => raw.hSet(key, 'foreign', 'hash')],
  ] as const) {
    it(`a lock key holding ${what}: a waiter waits without hammering Redis, it is logged once, and other locks work`, async () => {
      const raw = await kit.client();
      await plant(raw, lockKeys(kit.namespace, 'squatted').lock);
      const { counted, store } = countingAcquires(await kit.store());
      const a = await kit.instance({ logger }, store);
      await catchingEscapes(async (escaped) => {
        const waiting = a.mutex('squatted').lock({ timeout: 1_500 }).catch((error: unknown) => error);
        const other = await within('another lock', 2_000, a.mutex('free').lock());
        expect(other.fence).to.equal(1);
        await waiting;
        expect(escaped).to.deep.equal([]);
      });
      expect(counted.calls, 'acquire attempts while waiting 1.5 s').to.be.at.most(20);
      expect(logger.errors.length + logger.warnings.length, 'log lines').to.equal(1);
    });
  }

  it('a fence counter that is not an integer fails the acquire without leaving a lock nobody holds; it is logged, and other locks work', async () => {
    const raw = await kit.client();
    const keys = lockKeys(kit.namespace, 'unfenced');
    await raw.set(keys.fence, 'not a number');
    const a = await kit.instance({ logger });
    const events = eventsOf(a);
    const failed = await a.mutex('unfenced').tryLock().then(() => null, (error: unknown) => error);
    expect(failed).to.be.instanceOf(Error);
    expect(await raw.exists(keys.lock), 'a lock left behind by the failed acquire').to.equal(0);
    const waiting = a.mutex('unfenced').lock({ timeout: 1_500 }).catch(() => null);
    const reported = await within('a store-error event', 3_000, firstValueFrom(a.events$.pipe(filter((e) => e.type === 'store-error'), take(1))));
    expect(reported.key).to.equal('unfenced');
    await waiting;
    expect((await a.mutex('fenced').lock()).fence).to.equal(1);
    expect(events.some((event) => event.type === 'lock-acquired' && event.key === 'unfenced')).to.equal(false);
  });
});
