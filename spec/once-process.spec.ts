import { expect } from 'chai';
import { NEVER, of } from 'rxjs';
import type { OnceRun } from '../lib/once.js';
import { eventsOf, record, type Seen } from './once-kit.js';
import { forEachStore } from './support/store-kit.js';
import { waitFor } from './support/wait-for.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

forEachStore('once.process$ and shutdown', (kit) => {
  it('once.process$ keeps a job claimed while its work runs 3× claimTtl: delivered once, removed after', async () => {
    const claimTtl = 200;
    const options = { once: { claimTtl, pollInterval: 50 } };
    const instances = [await kit.instance(options), await kit.instance(options)];
    const started: Array<[string, number]> = [];
    const results: Array<{ key: string; storedMidWork: boolean }> = [];
    for (const cluster of instances) {
      cluster.once
        .process$(async (run: OnceRun) => {
          started.push([run.key, run.attempt]);
          if (run.key !== 'long') return { key: run.key, storedMidWork: true };
          await delay(2.5 * claimTtl);
          const storedMidWork = (await cluster.once.get(run.key)) !== null;
          await delay(0.5 * claimTtl);
          return { key: run.key, storedMidWork };
        })
        .subscribe((result) => results.push(result));
    }
    await instances[0]!.once.schedule('long', Date.now());
    await waitFor('the long work to finish', () => results.length === 1, 3_000);
    expect(results[0]).to.deep.equal({ key: 'long', storedMidWork: true });
    await waitFor('the job to be removed', async () => (await instances[1]!.once.get('long')) === null);
    await instances[1]!.once.schedule('after', Date.now());
    await waitFor('a later job', () => results.length === 2, 2_000);
    expect(started).to.deep.equal([['long', 1], ['after', 1]]);
  });

  it('once.process$: a work for a key cancelled and scheduled again does not remove the new job when it completes', async () => {
    const a = await kit.instance();
    const warnedBefore = kit.logger.warnings.length;
    const finish: Array<() => void> = [];
    const completed: number[] = [];
    a.once
      .process$((run) => new Promise<number>((resolve) => finish.push(() => resolve((run.props as { n: number }).n))))
      .subscribe((n) => completed.push(n));
    await a.once.schedule('again', Date.now(), { n: 1 });
    await waitFor('the first work to start', () => finish.length === 1, 2_000);
    expect(await a.once.cancel('again')).to.equal(true);
    await a.once.schedule('again', Date.now(), { n: 2 });
    await waitFor('the second delivery', () => finish.length === 2, 2_000);
    finish[0]!();
    // the first ack has been answered once it is refused (warned) or it removed the new job
    const refused = () => kit.logger.warnings.slice(warnedBefore).some((entry) => entry.message.includes('before it was acked'));
    await waitFor('the first ack', async () => refused() || (await a.once.get('again')) === null, 2_000);
    expect(completed).to.deep.equal([1]);
    expect(await a.once.get('again'), 'the second job, while its work runs').to.deep.include({ props: { n: 2 } });
    finish[1]!();
    await waitFor('the second job to be removed', async () => (await a.once.get('again')) === null, 2_000);
    expect(completed).to.deep.equal([1, 2]);
  });

  it('once.process$ renews at once the lease of a job delivered late in its batch, before the lease runs out', async () => {
    const claimTtl = 600;
    const a = await kit.instance({ once: { claimTtl, pollInterval: 50 } });
    const b = await kit.instance({ once: { claimTtl, pollInterval: 50 } });
    const now = Date.now();
    await a.once.schedule('slow', now - 2);
    await a.once.schedule('late', now - 1);
    const started: Array<[string, number]> = [];
    let finish: (() => void) | null = null;
    // one claim takes both; the handler of the first blocks the event loop for 3/4 of the lease
    a.once.runs$.subscribe((run) => {
      if (run.key !== 'slow') return;
      const until = Date.now() + 0.75 * claimTtl;
      while (Date.now() < until);
    });
    a.once
      .process$((run) => {
        started.push([run.key, run.attempt]);
        return run.key === 'late' ? new Promise<void>((resolve) => (finish = resolve)) : of(null);
      })
      .subscribe();
    await waitFor('the late job to be in work', () => started.some(([key]) => key === 'late'), 3_000);
    const seenOnB: Seen[] = [];
    record(b, 'b', seenOnB);
    // past the lease of the original claim, and of a renewal first sent claimTtl / 3 after delivery
    const deadline = Date.now() + claimTtl;
    await waitFor('two leases to pass', () => Date.now() > deadline, 2 * claimTtl);
    expect(seenOnB, 'redelivered elsewhere while its work ran').to.deep.equal([]);
    expect(await a.once.get('late')).to.not.equal(null);
    finish!();
    await waitFor('the late job to be removed', async () => (await a.once.get('late')) === null, 2_000);
    expect(started).to.deep.equal([['slow', 1], ['late', 1]]);
    expect(seenOnB).to.deep.equal([]);
  });

  it('once.process$ reports a failing work (job-error, logger), removes its job and goes on', async () => {
    const a = await kit.instance();
    const jobErrors = eventsOf(a, 'job-error');
    const outputs: string[] = [];
    let failed: unknown = null;
    a.once
      .process$((run) => {
        if (run.key === 'throws') throw new Error('thrown by work');
        if (run.key === 'rejects') return Promise.reject(new Error('rejected by work'));
        return of(run.key);
      })
      .subscribe({ next: (key) => outputs.push(key), error: (error: unknown) => (failed = error) });
    const now = Date.now();
    await a.once.schedule('throws', now);
    await a.once.schedule('rejects', now + 1);
    await a.once.schedule('works', now + 50);
    await waitFor('the later job', () => outputs.includes('works'), 2_000);
    expect(failed).to.equal(null);
    expect(jobErrors.map((event) => [event.key, event.attempt, (event.error as Error).message])).to.deep.equal([
      ['throws', 1, 'thrown by work'],
      ['rejects', 1, 'rejected by work'],
    ]);
    const logged = kit.logger.errors.filter((entry) => entry.message.includes('once job failed'));
    expect(logged.map((entry) => entry.fields?.key)).to.include.members(['throws', 'rejects']);
    await waitFor('every job to be removed', async () => (await a.once.list()).length === 0);
  });

  it('unsubscribing once.process$ mid-work hands the job back: another instance gets it, attempt 2, long before claimTtl', async () => {
    const a = await kit.instance();
    const b = await kit.instance({ once: { pollInterval: 200 } });
    const started: string[] = [];
    const working = a.once.process$((run) => (started.push(run.key), NEVER)).subscribe();
    await a.once.schedule('cut', Date.now());
    await waitFor('the work to start', () => started.length === 1, 2_000);
    working.unsubscribe();
    const cutAt = Date.now();
    const seen: Seen[] = [];
    record(b, 'b', seen);
    await waitFor('the redelivery', () => seen.length === 1, 2_000);
    expect(seen[0]).to.deep.include({ key: 'cut', attempt: 2 });
    expect(seen[0]!.at - cutAt, 'ms after the hand-back (claimTtl is 30 s)').to.be.below(1_000);
  });

  it('once.runs$ and once.process$ complete when the cluster closes; a job in work is handed back', async () => {
    const a = await kit.instance();
    const completed: string[] = [];
    const started: string[] = [];
    a.once.runs$.subscribe({ complete: () => completed.push('runs$') });
    a.once.process$((run) => (started.push(run.key), NEVER)).subscribe({ complete: () => completed.push('process$') });
    await a.once.schedule('in-work', Date.now());
    await waitFor('the work to start', () => started.length === 1, 2_000);
    await a.close();
    expect(completed.sort()).to.deep.equal(['process$', 'runs$']);
    a.once.runs$.subscribe({ complete: () => completed.push('after close') });
    expect(completed).to.include('after close');
    const b = await kit.instance();
    const seen: Seen[] = [];
    record(b, 'b', seen);
    await waitFor('the handed-back job', () => seen.length === 1, 2_000);
    expect(seen[0]).to.deep.include({ key: 'in-work', attempt: 2 });
  });

  it('once.process$ holds at most 1,000 jobs in work per instance; other instances take the rest', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const started: string[] = [];
    a.once.process$((run) => (started.push(run.key), NEVER)).subscribe();
    await Promise.all(Array.from({ length: 1_100 }, (_, i) => a.once.schedule(`held-${i}`, Date.now())));
    await waitFor('a to hold 1,000 works', () => started.length >= 1_000, 5_000);
    const seen: Seen[] = [];
    record(b, 'b', seen);
    await waitFor('b to get the other 100', () => seen.length >= 100, 5_000);
    expect(started).to.have.length(1_000);
    expect(seen).to.have.length(100);
    expect(new Set([...started, ...seen.map((run) => run.key)]).size).to.equal(1_100);
  });
});
