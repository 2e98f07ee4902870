import { expect } from 'chai';
import { asyncScheduler, firstValueFrom, of, type SchedulerLike } from 'rxjs';
import { duplicates, eventsOf, record, timesSeen, type Seen } from './once-kit.js';
import { startChild } from './support/child.js';
import { redisUrl } from './support/redis.js';
import { forEachStore } from './support/store-kit.js';
import { waitFor } from './support/wait-for.js';

/** An asyncScheduler whose clock is `offset` ms off, like an instance with a wrong clock. */
const skewedScheduler = (offset: number): SchedulerLike => ({
  now: () => Date.now() + offset,
  schedule: asyncScheduler.schedule.bind(asyncScheduler) as SchedulerLike['schedule'],
});

forEachStore('once delivery across instances', (kit) => {
  it('three instances on once.runs$ deliver 1,000 jobs due within one second exactly once in total', async () => {
    const instances = [await kit.instance(), await kit.instance(), await kit.instance()];
    const seen: Seen[] = [];
    instances.forEach((cluster, i) => record(cluster, `i${i}`, seen));
    const start = Date.now() + 200;
    await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => instances[i % 3]!.once.schedule(`burst-${i}`, start + i)),
    );
    await waitFor('1,000 jobs', () => seen.length >= 1_000, 5_000);
    await instances[0]!.once.schedule('control', Date.now());
    await waitFor('the control job', () => seen.some((run) => run.key === 'control'), 2_000);
    expect(duplicates(seen)).to.deep.equal([]);
    expect(timesSeen(seen).size).to.equal(1_001);
    expect(seen.filter((run) => run.at < run.runAt.getTime() - 1), 'fired early').to.deep.equal([]);
    await waitFor('every job to be removed', async () => (await instances[1]!.once.list()).length === 0);
  });

  it('once.runs$ subscribers on one instance share one runner: each sees every job, claimed once', async () => {
    const a = await kit.instance();
    const fired = eventsOf(a, 'once-fired');
    const [first, second]: Seen[][] = [[], []];
    record(a, 'first', first);
    record(a, 'second', second);
    const processed: string[] = [];
    a.once.process$((run) => of(run.key)).subscribe((key) => processed.push(key));
    const keys = Array.from({ length: 20 }, (_, i) => `shared-${i}`);
    await Promise.all(keys.map((key) => a.once.schedule(key, Date.now())));
    await waitFor('every subscriber to see 20 jobs', () => [first, second, processed].every((got) => got.length >= 20), 2_000);
    for (const got of [first.map((run) => run.key), second.map((run) => run.key), processed]) {
      expect([...got].sort()).to.deep.equal([...keys].sort());
    }
    expect(fired, 'one claim per job').to.have.length(20);
    await waitFor('every job to be removed', async () => (await a.once.list()).length === 0);
  });

  it('unsubscribing the last once.runs$ subscriber stops the runner; subscribing again restarts it', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const firedOnA = eventsOf(a, 'once-fired');
    const [seenA, seenB]: Seen[][] = [[], []];
    record(a, 'a', seenA).unsubscribe();
    const onB = record(b, 'b', seenB);
    await Promise.all(Array.from({ length: 10 }, (_, i) => a.once.schedule(`stopped-${i}`, Date.now())));
    await waitFor('b to get all 10 jobs', () => seenB.length === 10, 2_000);
    expect(firedOnA, 'a claimed nothing').to.deep.equal([]);
    onB.unsubscribe();
    record(a, 'a', seenA);
    await b.once.schedule('restarted', Date.now());
    await waitFor('a to get the job', () => seenA.length === 1, 2_000);
    expect(seenA[0]?.key).to.equal('restarted');
    expect(seenB).to.have.length(10);
  });

  it('a once.runs$ subscriber that takes one job hands the rest of its batch back to other instances', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const keys = ['taken', 'back-1', 'back-2', 'back-3', 'back-4'];
    for (const [i, key] of keys.entries()) await a.once.schedule(key, Date.now() - 100 + i);
    const first = await firstValueFrom(a.once.runs$);
    expect(first).to.deep.include({ key: 'taken', attempt: 1 });
    const seen: Seen[] = [];
    const startedAt = Date.now();
    record(b, 'b', seen);
    await waitFor('the handed-back jobs', () => seen.length === 4, 2_000);
    expect(seen.map((run) => [run.key, run.attempt])).to.deep.equal(keys.slice(1).map((key) => [key, 2]));
    expect(Date.now() - startedAt, 'ms (claimTtl is 30 s)').to.be.below(1_000);
    expect(await a.once.list()).to.deep.equal([]);
  });

  it('once.runs$ fires jobs that were overdue before it subscribed at once, oldest first', async () => {
    const b = await kit.instance();
    const now = Date.now();
    for (const [i, key] of ['first', 'second', 'third'].entries()) await b.once.schedule(key, now - 60_000 + i);
    const a = await kit.instance({ once: { pollInterval: 60_000 } });
    const seen: Seen[] = [];
    const subscribedAt = Date.now();
    record(a, 'a', seen);
    await waitFor('3 overdue jobs', () => seen.length === 3, 2_000);
    expect(seen.map((run) => run.key)).to.deep.equal(['first', 'second', 'third']);
    expect(seen[2]!.at - subscribedAt, 'ms after subscribing (the poll is 60 s)').to.be.below(1_000);
  });

  it('once.runs$ wakes for a nearer job scheduled on another instance by notification, long before its poll', async () => {
    const [a, b] = [await kit.instance({ once: { pollInterval: 60_000 } }), await kit.instance()];
    const seen: Seen[] = [];
    record(a, 'a', seen);
    await b.once.schedule('warm-up', Date.now());
    await waitFor('the runner to be live', () => seen.length === 1, 2_000);
    await b.once.schedule('far', Date.now() + 30_000);
    const runAt = Date.now() + 100;
    await b.once.schedule('near', runAt);
    await waitFor('the near job', () => seen.length === 2, 2_000);
    expect(seen[1]?.key).to.equal('near');
    expect(seen[1]!.at - runAt, 'ms late (the poll is 60 s)').to.be.within(-1, 250);
  });

  it('once.runs$ delivers a job again, attempt 2, as soon as the claim of a vanished runner runs out', async () => {
    const a = await kit.instance({ once: { pollInterval: 60_000 } });
    await a.once.schedule('orphan', Date.now() - 1, { n: 1 });
    const store = await kit.store();
    const claimedAt = Date.now();
    const claim = await store.onceClaim(kit.namespace, 'vanished-runner', 300, 10);
    expect(claim.jobs.map((job) => [job.key, job.attempt])).to.deep.equal([['orphan', 1]]);
    const seen: Seen[] = [];
    record(a, 'a', seen);
    await waitFor('the redelivery', () => seen.length === 1, 3_000);
    expect(seen[0]).to.deep.include({ key: 'orphan', attempt: 2, props: { n: 1 } });
    // armed for the lease's end, not left to the 60 s poll
    expect(seen[0]!.at - claimedAt).to.be.within(295, 1_500);
    await waitFor('the job to be removed', async () => (await a.once.get('orphan')) === null);
  });

  it('once.runs$ on an instance whose clock is 10 minutes off fires on the store clock, neither early nor late', async () => {
    const scheduling = await kit.instance();
    for (const offset of [-600_000, 600_000]) {
      const skewed = await kit.instance({ scheduler: skewedScheduler(offset), once: { pollInterval: 60_000 } });
      const seen: Seen[] = [];
      record(skewed, 'skewed', seen);
      await scheduling.once.schedule('warm-up', Date.now());
      await waitFor('the runner to be live', () => seen.length === 1, 2_000);
      const runAt = Date.now() + 150;
      await scheduling.once.schedule(`skewed-${offset}`, runAt);
      await waitFor(`the job on a clock ${offset} ms off`, () => seen.length === 2, 2_000);
      expect(seen[1]!.at - runAt, `ms late with a clock ${offset} ms off`).to.be.within(-1, 250);
      await skewed.close();
    }
  });
});

forEachStore(
  'once delivery across processes',
  (kit) => {
    it('once.runs$ delivers a job again, attempt 2, after the runner that got it was SIGKILLed inside next', async () => {
      type Message = { type: string; key?: string; attempt?: number };
      const child = startChild('spec/fixtures/once-runner.ts', {
        REDIS_URL: redisUrl(),
        NAMESPACE: kit.namespace,
        CLAIM_TTL: '500',
      });
      try {
        await child.message<Message>('the child runner to start', (message) => message.type === 'ready');
        const a = await kit.instance();
        await a.once.schedule('killed', Date.now(), { to: 'someone' });
        const received = await child.message<Message>('the child to get the job', (m) => m.type === 'received');
        expect(received).to.deep.include({ key: 'killed', attempt: 1 });
        await child.kill('SIGKILL');
        expect(await a.once.get('killed'), 'still stored: next never returned').to.not.equal(null);
        const seen: Seen[] = [];
        record(a, 'a', seen);
        await waitFor('the redelivery', () => seen.length === 1, 3_000);
        expect(seen[0]).to.deep.include({ key: 'killed', attempt: 2, props: { to: 'someone' } });
        await waitFor('the job to be removed', async () => (await a.once.get('killed')) === null);
      } finally {
        await child.kill('SIGKILL');
      }
    });
  },
  ['redis'],
);
