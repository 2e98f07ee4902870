import { expect } from 'chai';
import { finalize, lastValueFrom, map, NEVER, of, take, throwError, timer } from 'rxjs';
import { createCluster } from '../lib/cluster.js';
import { LockLostError } from '../lib/errors.js';
import type { ClusterEvent } from '../lib/events.js';
import type { JobRun } from '../lib/job.js';
import { memoryStore } from '../lib/stores/memory-store.js';
import type { ClusterStore } from '../lib/stores/store.js';
import { startChild } from './support/child.js';
import { concurrency } from './support/concurrency.js';
import { catchingEscapes } from './support/escapes.js';
import { fastClock } from './support/fast-clock.js';
import { Members } from './support/members.js';
import { forEachStore } from './support/store-kit.js';
import { waitFor, within } from './support/wait-for.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** A store whose `operation` rejects the first `times` calls, counts every call and keeps each `at` written. */
function flaky(operation: 'getLastFinished' | 'setLastFinished', times: number) {
  const calls = { getLastFinished: 0, setLastFinished: 0 };
  const written: number[] = [];
  const wrap = (store: ClusterStore): ClusterStore => ({
    ...store,
    getLastFinished: (ns, key) => {
      calls.getLastFinished += 1;
      return operation === 'getLastFinished' && calls.getLastFinished <= times
        ? Promise.reject(new Error('injected getLastFinished failure'))
        : store.getLastFinished(ns, key);
    },
    setLastFinished: (ns, key, at, nextDue) => {
      calls.setLastFinished += 1;
      written.push(at);
      return operation === 'setLastFinished' && calls.setLastFinished <= times
        ? Promise.reject(new Error('injected setLastFinished failure'))
        : store.setLastFinished(ns, key, at, nextDue);
    },
  });
  return { wrap, calls, written };
}

describe('job$() arguments', () => {
  const { job$, events$, close } = createCluster({ store: memoryStore(), namespace: 'spec-job-args' });
  const events: ClusterEvent[] = [];
  events$.subscribe((event) => events.push(event));
  after(() => close());

  it('job$() throws TypeError for an empty key, naming `key`', () => {
    expect(() => job$('', 100)).to.throw(TypeError, /`key`.*""/);
  });

  it('job$() throws for a schedule of 0, a negative number, NaN, Infinity or a string, naming `schedule` and the value', () => {
    for (const bad of [0, -100, NaN, Infinity]) expect(() => job$('k', bad), String(bad)).to.throw(RangeError, new RegExp(`\`schedule\`.*\`${bad}\``));
    expect(() => job$('k', '5 minutes' as never)).to.throw(TypeError, /`schedule`.*"5 minutes"/);
    expect(() => job$('k', { minutes: 0 })).to.throw(RangeError, /`schedule`/);
  });

  it('job$() throws TypeError for work that is not a function, naming `work`, and for bad options', () => {
    expect(() => job$('k', 100, 'work' as never)).to.throw(TypeError, /`work`.*"work"/);
    expect(() => job$('k', 100, null as never)).to.throw(TypeError, /`work`.*null/);
    expect(() => job$('k', 100, () => of(1), { ttl: -1 })).to.throw(RangeError, /`ttl`.*`-1`/);
    expect(events, 'nothing happened').to.deep.equal([]);
  });
});

forEachStore('job$()', (kit) => {
  const members = new Members(kit);
  afterEach(() => members.close());

  it('job$(key, 100) on one instance runs more than 5 and fewer than 20 times in 1 s, and never after unsubscribe', async () => {
    const { job$ } = await members.join();
    let runs = 0;
    const subscription = job$('single', 100).subscribe(() => (runs += 1));
    await pause(1_000);
    subscription.unsubscribe();
    const atUnsubscribe = runs;
    await pause(300);
    expect(runs).to.equal(atUnsubscribe);
    expect(runs).to.be.greaterThan(5).and.lessThan(20);
  });

  it('job$(key, 100) on three instances runs within the same bounds in total, never two runs at once', async () => {
    const instances = [await members.join(), await members.join(), await members.join()];
    const { seen, work } = concurrency();
    const subscriptions = instances.map(({ job$ }) => job$('shared', 100, work).subscribe());
    await pause(1_000);
    subscriptions.forEach((subscription) => subscription.unsubscribe());
    const atUnsubscribe = seen.runs;
    await pause(300);
    expect(seen.runs).to.equal(atUnsubscribe);
    expect(seen.runs).to.be.greaterThan(5).and.lessThan(20);
    expect(seen.most, 'runs in progress at once').to.equal(1);
  });

  it('job$() with two keys on three instances runs each key within the bounds', async () => {
    const instances = [await members.join(), await members.join(), await members.join()];
    const a = concurrency();
    const b = concurrency();
    const subscriptions = [
      instances[0]!.job$('key-a', 100, a.work).subscribe(),
      instances[1]!.job$('key-a', 100, a.work).subscribe(),
      instances[1]!.job$('key-b', 100, b.work).subscribe(),
      instances[2]!.job$('key-b', 100, b.work).subscribe(),
    ];
    await pause(1_000);
    subscriptions.forEach((subscription) => subscription.unsubscribe());
    for (const { seen } of [a, b]) {
      expect(seen.runs).to.be.greaterThan(5).and.lessThan(20);
      expect(seen.most).to.equal(1);
    }
  });

  it('job$() shares lastFinished: an instance joining after another ran a 10 s job does not run it, and reads the store once instead of polling', async () => {
    const a = await members.join();
    const firstRun = await within('the first run', 2_000, new Promise<JobRun>((resolve) => {
      const subscription = a.job$('ten-seconds', 10_000).subscribe((run) => {
        subscription.unsubscribe();
        resolve(run);
      });
    }));
    expect(firstRun.lastFinished).to.equal(null);
    const reads = flaky('getLastFinished', 0);
    const b = await members.join({}, reads.wrap);
    let runs = 0;
    const subscription = b.job$('ten-seconds', 10_000).subscribe(() => (runs += 1));
    await waitFor("b's first check", () => reads.calls.getLastFinished === 1);
    await pause(400);
    subscription.unsubscribe();
    expect(runs).to.equal(0);
    expect(reads.calls.getLastFinished, 'store reads while waiting').to.equal(1);
  });

  it("job$() runs on a joining instance once due, with the other instance's lastFinished", async () => {
    const a = await members.join();
    const b = await members.join();
    const aRan = await within('a run on a', 2_000, new Promise<number>((resolve) => {
      const subscription = a.job$('handover', 400).subscribe(() => {
        subscription.unsubscribe();
        resolve(Date.now());
      });
    }));
    const bRun = await within('a run on b', 2_000, new Promise<JobRun>((resolve) => {
      const subscription = b.job$('handover', 400).subscribe((run) => {
        subscription.unsubscribe();
        resolve(run);
      });
    }));
    expect(bRun.lastFinished!.getTime()).to.be.within(aRan - 50, aRan + 50);
    expect(bRun.startedAt.getTime() - bRun.lastFinished!.getTime()).to.be.within(400, 600);
  });

  it('job$(key, schedule, work) emits the values of work and records lastFinished when work completes', async () => {
    const { job$ } = await members.join();
    const values: Array<{ run: JobRun; doneAt: number }> = [];
    const subscription = job$('with-work', 50, (run) => timer(60).pipe(map(() => ({ run, doneAt: Date.now() })))).subscribe((value) => values.push(value));
    await waitFor('two runs', () => values.length >= 2, 3_000);
    subscription.unsubscribe();
    const [first, second] = values;
    expect(first!.run.lastFinished).to.equal(null);
    expect(second!.run.fence).to.be.greaterThan(first!.run.fence);
    expect(second!.run.lastFinished!.getTime()).to.be.at.least(first!.doneAt);
    expect(second!.run.startedAt.getTime() - second!.run.lastFinished!.getTime()).to.be.at.least(49);
  });

  it('job$() reports an async next that rejects as job-error, and nothing escapes as an unhandled rejection', async () => {
    await catchingEscapes(async (escaped) => {
      const { job$, events$ } = await members.join();
      const errors: ClusterEvent[] = [];
      events$.subscribe((event) => event.type === 'job-error' && errors.push(event));
      let runs = 0;
      const subscription = job$('rejecting-next', 50).subscribe(async () => {
        runs += 1;
        await Promise.resolve();
        throw new Error(`async next failed ${runs}`);
      });
      await waitFor('two reported rejections', () => errors.length >= 2, 3_000);
      subscription.unsubscribe();
      expect((errors[0]!.error as Error).message).to.equal('async next failed 1');
      expect(runs, 'the job went on').to.be.at.least(2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(escaped).to.deep.equal([]);
    });
  });

  it('job$() reports a throwing next or work as job-error, counts the run as finished and goes on', async () => {
    const { job$, events$ } = await members.join();
    const errors: ClusterEvent[] = [];
    events$.subscribe((event) => event.type === 'job-error' && errors.push(event));
    const runs: JobRun[] = [];
    const nextFails = job$('throwing-next', 50).subscribe((run) => {
      runs.push(run);
      if (runs.length === 1) throw new Error('next failed');
    });
    let calls = 0;
    const workRuns: JobRun[] = [];
    const workFails = job$('throwing-work', 50, (run) => {
      workRuns.push(run);
      calls += 1;
      if (calls === 1) throw new Error('work threw');
      return calls === 2 ? throwError(() => new Error('work errored')) : of(run);
    }).subscribe();
    await waitFor('runs after the failures', () => runs.length >= 2 && workRuns.length >= 3, 3_000);
    nextFails.unsubscribe();
    workFails.unsubscribe();
    expect(errors.map((e) => [e.key, (e.error as Error).message])).to.deep.include.members([
      ['throwing-next', 'next failed'],
      ['throwing-work', 'work threw'],
      ['throwing-work', 'work errored'],
    ]);
    expect(runs[1]!.lastFinished, 'the failed run counts as finished').to.not.equal(null);
    expect(workRuns[1]!.lastFinished).to.not.equal(null);
    expect(workRuns[2]!.lastFinished!.getTime()).to.be.greaterThan(workRuns[1]!.lastFinished!.getTime());
    expect(kit.logger.errors.some((e) => /job `throwing-next` failed/.test(e.message))).to.equal(true);
  });

  it('job$() stops work and reports LockLostError when the lock is deleted mid-run, then runs again', async () => {
    const { job$, events$ } = await members.join();
    const errors: ClusterEvent[] = [];
    events$.subscribe((event) => event.type === 'job-error' && errors.push(event));
    const runs: JobRun[] = [];
    let stopped = 0;
    const subscription = job$(
      'lost',
      100,
      (run) => {
        runs.push(run);
        return runs.length === 1 ? NEVER.pipe(finalize(() => (stopped += 1))) : of(run.fence);
      },
      { ttl: 2_000, refreshInterval: 50 },
    ).subscribe();
    await waitFor('the first run', () => runs.length === 1);
    await members.deleteLock(`${kit.namespace}:job`, 'lost');
    await waitFor('the run to start again', () => runs.length === 2, 3_000);
    subscription.unsubscribe();
    expect(runs[0]!.signal.aborted).to.equal(true);
    expect(runs[0]!.signal.reason).to.be.instanceOf(LockLostError);
    expect(errors.map((e) => e.error)).to.satisfy((list: unknown[]) => list.some((e) => e instanceof LockLostError));
    expect(runs[1]!.lastFinished, 'the interrupted run was not recorded').to.equal(null);
    expect(stopped, 'the first run was unsubscribed').to.equal(1);
  });

  it('job$() backs off and logs when the store fails, and never errors', async () => {
    const reads = flaky('getLastFinished', 1);
    const { job$, events$ } = await members.join({ scheduler: fastClock(20) }, reads.wrap);
    const storeErrors: ClusterEvent[] = [];
    events$.subscribe((event) => event.type === 'store-error' && storeErrors.push(event));
    let failed: unknown = null;
    const runs: JobRun[] = [];
    const subscription = job$('flaky', 100).subscribe({ next: (run) => runs.push(run), error: (error) => (failed = error) });
    await waitFor('a run after the failure', () => runs.length >= 1, 3_000);
    subscription.unsubscribe();
    expect(failed).to.equal(null);
    expect(storeErrors.map((e) => e.operation)).to.deep.equal(['getLastFinished']);
    expect(storeErrors[0]!.retryIn).to.be.within(1_000, 1_500);
    expect(kit.logger.errors.some((e) => /getLastFinished failed/.test(e.message))).to.equal(true);
  });

  it('job$() retries recording lastFinished while it holds the lock, so the run is not repeated', async () => {
    const writes = flaky('setLastFinished', 2);
    const { job$ } = await members.join({ scheduler: fastClock(20) }, writes.wrap);
    const runs: JobRun[] = [];
    const subscription = job$('flaky-write', 60_000).subscribe((run) => runs.push(run));
    await waitFor('the record to succeed', () => writes.calls.setLastFinished === 3, 3_000);
    await pause(100);
    subscription.unsubscribe();
    expect(runs).to.have.length(1);
  });

  it('job$() gives up recording when its lock is lost during the retry wait, so an older lastFinished never overwrites a newer one', async () => {
    const writesA = flaky('setLastFinished', 1);
    const a = await members.join({}, writesA.wrap);
    const writesB = flaky('setLastFinished', 0);
    let shared: ClusterStore | null = null;
    const b = await members.join({}, (store) => writesB.wrap((shared = store)));
    const lost: ClusterEvent[] = [];
    const retries: ClusterEvent[] = [];
    a.events$.subscribe((event) => {
      if (event.type === 'lock-lost') lost.push(event);
      if (event.type === 'store-error' && event.operation === 'setLastFinished') retries.push(event);
    });
    const options = { ttl: 2_000, refreshInterval: 50 };
    const onA = a.job$('lost-while-recording', 60_000, options).subscribe();
    await waitFor("a's failed write", () => retries.length === 1);
    const retryAt = Date.now() + retries[0]!.retryIn!;
    await members.deleteLock(`${kit.namespace}:job`, 'lost-while-recording');
    await waitFor("a's lease to be lost", () => lost.length === 1, 1_000);
    const bRuns: JobRun[] = [];
    const onB = b.job$('lost-while-recording', 60_000, options).subscribe((run) => bRuns.push(run));
    await waitFor("b's run to be recorded", () => bRuns.length === 1 && writesB.calls.setLastFinished === 1, 2_000);
    expect(Date.now(), 'b recorded before a retried').to.be.below(retryAt);
    // with the lease gone, a re-reads the store instead of retrying its write
    await waitFor("a's retry time to pass", () => writesA.calls.getLastFinished >= 2 || writesA.calls.setLastFinished >= 2, 3_000);
    onA.unsubscribe();
    onB.unsubscribe();
    expect(writesA.written, 'writes by a: only the failed one').to.have.length(1);
    expect(bRuns[0]!.lastFinished, "a's run was never recorded").to.equal(null);
    const stored = await shared!.getLastFinished(kit.namespace, 'lost-while-recording');
    expect(stored, "b's later lastFinished").to.equal(writesB.written[0]);
  });

  it('job$() piped through take(1) completes after one run and still records it', async () => {
    const { job$ } = await members.join();
    const first = await within('one run', 2_000, lastValueFrom(job$('once-only', 60_000).pipe(take(1))));
    expect(first.lastFinished).to.equal(null);
    const reads = flaky('getLastFinished', 0);
    const other = await members.join({}, reads.wrap);
    let runs = 0;
    const subscription = other.job$('once-only', 60_000).subscribe(() => (runs += 1));
    await waitFor('a check on the other instance', () => reads.calls.getLastFinished === 1);
    await pause(100);
    subscription.unsubscribe();
    expect(runs, 'not due again').to.equal(0);
  });

  it('job$() errors with TypeError when a NextWaitInterval returns something that is not a number', async () => {
    const { job$ } = await members.join();
    const failed = new Promise((resolve) => job$('bad-schedule', () => 'soon' as never).subscribe({ error: resolve }));
    const error = await within('the error', 2_000, failed);
    expect(error).to.be.instanceOf(TypeError).with.property('message').that.matches(/`bad-schedule`.*"soon"/);
  });

  it('job$() completes when the cluster closes', async () => {
    const cluster = await members.join();
    const completed = new Promise((resolve) => cluster.job$('closing', 100).subscribe({ complete: () => resolve(null) }));
    await cluster.close();
    await within('completion', 1_000, completed);
  });
});

forEachStore(
  'job$() across processes',
  (kit) => {
    it('job$() continues on another instance once the lock of a holder killed with SIGKILL mid-run has expired', async () => {
      const ttl = 1_000;
      const child = startChild('spec/fixtures/job-holder.ts', {
        REDIS_URL: process.env.RX_CLUSTER_TEST_REDIS_URL!,
        NAMESPACE: kit.namespace,
        JOB_KEY: 'crash',
        TTL: String(ttl),
      });
      try {
        const held = await child.message<{ type: string; fence: number }>('the child to start its run', (m) => m.type === 'running');
        const { job$ } = await kit.instance();
        const runs: JobRun[] = [];
        const subscription = job$('crash', 100).subscribe((run) => runs.push(run));
        await pause(ttl / 2);
        expect(runs, 'no run while the child holds the lock').to.have.length(0);
        await child.kill('SIGKILL');
        const killedAt = Date.now();
        await waitFor('the takeover', () => runs.length > 0, ttl + 2_000);
        subscription.unsubscribe();
        expect(Date.now() - killedAt).to.be.at.most(ttl + 500);
        expect(runs[0]!.lastFinished, 'the killed run was never recorded').to.equal(null);
        expect(runs[0]!.fence).to.be.greaterThan(held.fence);
      } finally {
        await child.kill();
      }
    });
  },
  ['redis'],
);
