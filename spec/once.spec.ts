import { expect } from 'chai';
import { JobExistsError } from '../lib/errors.js';
import { eventsOf, record, timesSeen, type Seen } from './once-kit.js';
import { forEachStore } from './support/store-kit.js';
import { waitFor } from './support/wait-for.js';

/*
 * The scenarios of Mattermost's job_once tests, in this API: a job fires once and is gone,
 * cancel (before firing, again, by key from another instance), reschedule under the same key,
 * many jobs at once, duplicate keys, jobs stored while no runner ran, props. "Never fires" is
 * shown by a control job due later that did fire: the runner had its chance.
 */
forEachStore('once (Mattermost job_once scenarios)', (kit) => {
  it('once.runs$ delivers a scheduled job once at its runAt, then the job is gone', async () => {
    const a = await kit.instance();
    const fired = eventsOf(a, 'once-fired');
    const seen: Seen[] = [];
    record(a, 'a', seen);
    const runAt = Date.now() + 100;
    const job = await a.once.schedule('one', runAt);
    expect(job).to.deep.equal({ key: 'one', runAt: new Date(runAt), props: null });
    expect(await a.once.get('one')).to.deep.equal(job);

    await waitFor('the job to fire', () => seen.length === 1, 2_000);
    expect(seen[0]).to.deep.include({ key: 'one', attempt: 1, props: null });
    expect(seen[0]!.runAt.getTime()).to.equal(runAt);
    expect(seen[0]!.at, 'not before its runAt').to.be.at.least(runAt - 1);
    expect(fired.map((event) => [event.key, event.attempt])).to.deep.equal([['one', 1]]);
    await waitFor('the job to be removed', async () => (await a.once.get('one')) === null);
    expect(await a.once.list()).to.deep.equal([]);
    // cancelling a job that already ran is harmless, any number of times
    expect(await a.once.cancel('one')).to.equal(false);
    expect(await a.once.cancel('one')).to.equal(false);

    await a.once.schedule('control', Date.now());
    await waitFor('the control job', () => seen.some((run) => run.key === 'control'), 2_000);
    expect(timesSeen(seen).get('one')).to.equal(1);
  });

  it('once.cancel() before runAt: the job never fires, and cancelling again is harmless', async () => {
    const a = await kit.instance();
    const seen: Seen[] = [];
    record(a, 'a', seen);
    const now = Date.now();
    await a.once.schedule('cancelled', now + 100);
    await a.once.schedule('control', now + 150);
    expect(await a.once.cancel('cancelled')).to.equal(true);
    expect(await a.once.get('cancelled')).to.equal(null);
    expect(await a.once.cancel('cancelled')).to.equal(false);
    await waitFor('the control job', () => seen.length > 0, 2_000);
    expect(seen.map((run) => run.key)).to.deep.equal(['control']);
  });

  it('once.schedule() after once.cancel() with the same key: the job fires once', async () => {
    const a = await kit.instance();
    const seen: Seen[] = [];
    record(a, 'a', seen);
    const now = Date.now();
    await a.once.schedule('again', now + 100, { version: 1 });
    await a.once.cancel('again');
    await a.once.schedule('again', now + 100, { version: 2 });
    await a.once.schedule('control', now + 200);
    await waitFor('the control job', () => seen.some((run) => run.key === 'control'), 2_000);
    expect(seen.map((run) => [run.key, run.props])).to.deep.equal([
      ['again', { version: 2 }],
      ['control', null],
    ]);
  });

  it('once.runs$ delivers each of 100 jobs due together exactly once', async () => {
    const a = await kit.instance();
    const seen: Seen[] = [];
    record(a, 'a', seen);
    const runAt = Date.now() + 100;
    const keys = Array.from({ length: 100 }, (_, i) => `many-${i}`);
    await Promise.all(keys.map((key) => a.once.schedule(key, runAt)));
    await waitFor('100 jobs', () => seen.length >= 100, 3_000);
    expect([...timesSeen(seen).keys()].sort()).to.deep.equal([...keys].sort());
    expect([...timesSeen(seen).values()].every((times) => times === 1)).to.equal(true);
    await waitFor('every job to be removed', async () => (await a.once.list()).length === 0);
  });

  it('once.cancel() by key on another instance stops the job from firing anywhere', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const seen: Seen[] = [];
    record(a, 'a', seen);
    const now = Date.now();
    await a.once.schedule('by-key', now + 100);
    await a.once.schedule('control', now + 150);
    const listed = await b.once.list();
    expect(listed.map((job) => job.key)).to.deep.equal(['by-key', 'control']);
    expect(await b.once.cancel('by-key')).to.equal(true);
    expect(await b.once.cancel('by-key')).to.equal(false);
    await waitFor('the control job', () => seen.length > 0, 2_000);
    expect(seen.map((run) => run.key)).to.deep.equal(['control']);
  });

  it('once.schedule() rejects a duplicate key with JobExistsError; the first job still fires once', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const seen: Seen[] = [];
    record(a, 'a', seen);
    const runAt = Date.now() + 100;
    await a.once.schedule('dup', runAt, { first: true });
    const error = await b.once.schedule('dup', runAt + 10_000, { first: false }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(JobExistsError).and.include({ key: 'dup', name: 'JobExistsError' });
    expect(await b.once.get('dup')).to.deep.equal({ key: 'dup', runAt: new Date(runAt), props: { first: true } });
    await a.once.schedule('control', runAt + 50);
    await waitFor('the control job', () => seen.some((run) => run.key === 'control'), 2_000);
    expect(seen.map((run) => [run.key, run.props])).to.deep.equal([
      ['dup', { first: true }],
      ['control', null],
    ]);
  });

  it('once.runs$ fires 3,002 jobs stored while no runner ran, each exactly once, when a runner starts', async () => {
    const b = await kit.instance();
    const start = Date.now();
    const count = 3_002; // Mattermost's paging case: three pages of 1,000 and two more
    const runAts = Array.from({ length: count }, (_, i) => start - 10_000 + ((i * 7_919) % count));
    await Promise.all(runAts.map((runAt, i) => b.once.schedule(`page-${i}`, runAt, { i })));
    const listed = await b.once.list();
    expect(listed).to.have.length(count);
    expect(listed.every((job, i) => i === 0 || job.runAt >= listed[i - 1]!.runAt), 'list() by runAt').to.equal(true);

    const a = await kit.instance();
    const seen: Seen[] = [];
    record(a, 'a', seen);
    await waitFor('3,002 jobs', () => seen.length >= count, 10_000);
    const times = timesSeen(seen);
    expect(times.size).to.equal(count);
    expect([...times.values()].every((n) => n === 1), 'each exactly once').to.equal(true);
    expect(seen.every((run) => (run.props as { i: number }).i === Number(run.key.slice('page-'.length)))).to.equal(true);
    await waitFor('every job to be removed', async () => (await b.once.list()).length === 0);
  });

  it('a job cancelled and rescheduled later on another instance does not fire at its old time', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const seen: Seen[] = [];
    record(a, 'a', seen);
    const oldRunAt = Date.now() + 150;
    const newRunAt = oldRunAt + 300;
    await a.once.schedule('moved', oldRunAt);
    await a.once.schedule('control', oldRunAt);
    // a's runner is armed for oldRunAt; b moves the job
    expect(await b.once.cancel('moved')).to.equal(true);
    await b.once.schedule('moved', newRunAt);
    await waitFor('the control job', () => seen.length > 0, 2_000);
    expect(seen.map((run) => run.key)).to.deep.equal(['control']);
    await waitFor('the moved job', () => seen.length > 1, 2_000);
    expect(seen[1]).to.deep.include({ key: 'moved', attempt: 1 });
    expect(seen[1]!.at, 'not before its new runAt').to.be.at.least(newRunAt - 1);
    expect(await a.once.list()).to.deep.equal([]);
  });

  it('once.runs$ hands props back equal to what was scheduled, on any instance', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const seen: Seen[] = [];
    record(a, 'a', seen);
    const props = {
      foo: 'some foo',
      nested: { list: [1, 2.5, -3, true, null, 'x|y'], empty: {}, none: [] },
      text: 'grüße, 日本, 🎉, "quoted" \\ back\nslash',
      at: new Date(0),
    };
    const expected = { ...props, at: '1970-01-01T00:00:00.000Z' };
    const scheduled = await b.once.schedule('props', Date.now() + 50, props);
    expect(scheduled.props).to.deep.equal(expected);
    expect((await a.once.get('props'))?.props).to.deep.equal(expected);
    expect((await a.once.list())[0]?.props).to.deep.equal(expected);
    await b.once.schedule('string', Date.now() + 60, 'just a string');
    await waitFor('both jobs', () => seen.length === 2, 2_000);
    expect(seen.map((run) => run.props)).to.deep.equal([expected, 'just a string']);
  });

  it('once.schedule() rejects props over 10,000 bytes as JSON (RangeError) and stores nothing', async () => {
    const a = await kit.instance();
    expect(() => a.once.schedule('big', Date.now(), 'a'.repeat(10_000))).to.throw(RangeError, /props.*10002 bytes/);
    // 'é' is 2 bytes in UTF-8: 4,999 of them and two quotes are exactly 10,000 bytes
    expect(() => a.once.schedule('wide', Date.now(), 'é'.repeat(5_000))).to.throw(RangeError, /10002 bytes/);
    expect(await a.once.list()).to.deep.equal([]);
    await a.once.schedule('fits', Date.now() + 60_000, 'é'.repeat(4_999));
    expect((await a.once.get('fits'))?.props).to.equal('é'.repeat(4_999));
  });
});
