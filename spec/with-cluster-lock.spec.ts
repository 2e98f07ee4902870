import { expect } from 'chai';
import { defer, finalize, interval, map, mergeMap, Observable, tap, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createCluster } from '../lib/cluster.js';
import { LockLostError } from '../lib/errors.js';
import type { ClusterEvent } from '../lib/events.js';
import type { LeaseEnd } from '../lib/lease.js';
import { lockGate, type GateLease, type OnLost } from '../lib/lock-gate.js';
import { memoryStore } from '../lib/stores/memory-store.js';
import { Members } from './support/members.js';
import { forEachStore } from './support/store-kit.js';
import { waitFor, within } from './support/wait-for.js';

/** A lease driven by the test: `lose()` ends it as a lost lease would. */
class FakeLease implements GateLease {
  private listeners = new Set<(end: LeaseEnd) => void>();
  private ended: LeaseEnd | null = null;
  constructor(private readonly log: string[], private readonly now: () => number) {}
  onEnd(listener: (end: LeaseEnd) => void) {
    if (this.ended) listener(this.ended);
    else this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  release() {
    this.log.push(`release@${this.now()}`);
    this.end({ lost: false });
  }
  lose(error: LockLostError) {
    this.end({ lost: true, error });
  }
  private end(end: LeaseEnd) {
    if (this.ended) return;
    this.ended = end;
    this.listeners.forEach((listener) => listener(end));
  }
}

describe('withClusterLock() timing (marbles)', () => {
  const lost = new LockLostError('k', 'the lock expired or was taken by another owner');
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  /** Runs a gate whose every acquisition takes 2 frames; `loseAt` frames end the current lease as lost. */
  function gate(source: Observable<string>, onLost: OnLost, { loseAt = [] as number[], closeAt = -1 } = {}) {
    const log: string[] = [];
    const leases: FakeLease[] = [];
    const closing = new AbortController();
    const acquire = () =>
      timer(2).pipe(map(() => leases[leases.push(new FakeLease(log, () => scheduler.now())) - 1]!));
    for (const frame of loseAt) scheduler.schedule(() => leases.at(-1)!.lose(lost), frame);
    if (closeAt >= 0) scheduler.schedule(() => closing.abort(), closeAt);
    const gated = lockGate(source, acquire, onLost, closing.signal).pipe(
      tap({ complete: () => log.push(`complete@${scheduler.now()}`), error: () => log.push(`error@${scheduler.now()}`) }),
    );
    return { gated, log, leases };
  }

  it('withClusterLock() subscribes the source only once the lock is held, mirrors it and releases on unsubscribe', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const source = cold('a-b-c-d-e-f');
      const { gated, log } = gate(source, 'reacquire');
      expectObservable(gated, '^-------!').toBe('--a-b-c-');
      expectSubscriptions(source.subscriptions).toBe('--^-----!');
      flush();
      expect(log).to.deep.equal(['release@8']);
    });
  });

  it('withClusterLock() unsubscribes the source at once on lease loss, then reacquires and resubscribes', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const source = cold('a-b-c-d-e-f');
      const { gated, log, leases } = gate(source, 'reacquire', { loseAt: [5] });
      expectObservable(gated, '^---------!').toBe('--a-b--a-b');
      expectSubscriptions(source.subscriptions).toBe(['--^--!', '-------^--!']);
      flush();
      expect(leases).to.have.length(2);
      expect(log).to.deep.equal(['release@10']);
    });
  });

  it("withClusterLock({ onLost: 'error' }) unsubscribes the source and errors with LockLostError on lease loss", () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d-e-f');
      const { gated } = gate(source, 'error', { loseAt: [5] });
      expectObservable(gated).toBe('--a-b#', undefined, lost);
      expectSubscriptions(source.subscriptions).toBe('--^--!');
    });
  });

  it('withClusterLock() releases the lock, then completes, when the source completes', () => {
    scheduler.run(({ cold, expectObservable, flush }) => {
      const { gated, log } = gate(cold('a-b|'), 'reacquire');
      expectObservable(gated).toBe('--a-b|');
      flush();
      expect(log).to.deep.equal(['release@5', 'complete@5']);
    });
  });

  it('withClusterLock() releases the lock, then errors, when the source errors', () => {
    scheduler.run(({ cold, expectObservable, flush }) => {
      const boom = new Error('boom');
      const { gated, log } = gate(cold('a-#', undefined, boom), 'reacquire');
      expectObservable(gated).toBe('--a-#', undefined, boom);
      flush();
      expect(log).to.deep.equal(['release@4', 'error@4']);
    });
  });

  it('withClusterLock() never subscribes the source when unsubscribed while waiting for the lock', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const source = cold('a-b');
      const { gated, log } = gate(source, 'reacquire');
      expectObservable(gated, '^!').toBe('-');
      expectSubscriptions(source.subscriptions).toBe([]);
      flush();
      expect(log).to.deep.equal([]);
    });
  });

  it('withClusterLock() completes and releases when the cluster closes', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const source = cold('a-b-c-d');
      const { gated, log } = gate(source, 'reacquire', { closeAt: 5 });
      expectObservable(gated).toBe('--a-b|');
      expectSubscriptions(source.subscriptions).toBe('--^--!');
      flush();
      expect(log).to.deep.equal(['release@5', 'complete@5']);
    });
  });
});

describe('withClusterLock() arguments', () => {
  const { withClusterLock, close } = createCluster({ store: memoryStore(), namespace: 'spec-args' });
  after(() => close());

  it('withClusterLock() throws TypeError for an empty key, naming `key`', () => {
    expect(() => withClusterLock('')).to.throw(TypeError, /`key`.*""/);
  });

  it('withClusterLock() throws for a bad ttl, refreshInterval or onLost, naming the option and value', () => {
    expect(() => withClusterLock('k', { ttl: 0 })).to.throw(RangeError, /`ttl`.*`0`/);
    expect(() => withClusterLock('k', { ttl: 100, refreshInterval: 100 })).to.throw(RangeError, /`refreshInterval`/);
    expect(() => withClusterLock('k', { onLost: 'retry' as never })).to.throw(TypeError, /`onLost`.*"retry"/);
  });
});


/** A source that counts its subscriptions and how many are live at once. */
function tracked(name: string, counts: { live: number; most: number; subscribed: Record<string, number> }, started?: () => void) {
  return defer(() => {
    counts.subscribed[name] = (counts.subscribed[name] ?? 0) + 1;
    counts.live += 1;
    counts.most = Math.max(counts.most, counts.live);
    started?.();
    return interval(10).pipe(map(() => name));
  }).pipe(finalize(() => (counts.live -= 1)));
}

forEachStore('withClusterLock()', (kit) => {
  const members = new Members(kit);
  afterEach(() => members.close());

  it('withClusterLock() on two instances: only the holder emits, the other source is not subscribed, and unsubscribing hands over promptly', async () => {
    const [a, b] = [await members.join(), await members.join()];
    const counts = { live: 0, most: 0, subscribed: {} as Record<string, number> };
    const emitted: string[] = [];
    let bStartedAt = 0;
    const holder = tracked('a', counts).pipe(a.withClusterLock('gate')).subscribe((v) => emitted.push(v));
    await waitFor('a to emit', () => emitted.includes('a'));
    const waiter = tracked('b', counts, () => (bStartedAt = performance.now())).pipe(b.withClusterLock('gate')).subscribe((v) => emitted.push(v));
    await waitFor('a to emit 5 values', () => emitted.length >= 5);
    expect(counts.subscribed).to.deep.equal({ a: 1 });
    expect(emitted.every((v) => v === 'a')).to.equal(true);

    const handedAt = performance.now();
    holder.unsubscribe();
    await waitFor("b's source to be subscribed", () => bStartedAt > 0, 2_000, 1);
    expect(bStartedAt - handedAt, 'handoff ms').to.be.below(250);
    const before = emitted.length;
    await waitFor('b to emit', () => emitted.length > before + 2);
    expect(emitted.slice(before).every((v) => v === 'b')).to.equal(true);
    expect(counts.most).to.equal(1);
    waiter.unsubscribe();
  });

  it('withClusterLock() subscriptions on one instance take turns', async () => {
    const a = await members.join();
    const counts = { live: 0, most: 0, subscribed: {} as Record<string, number> };
    const first = tracked('1', counts).pipe(a.withClusterLock('turns')).subscribe();
    await waitFor('the first source to run', () => counts.subscribed['1'] === 1);
    const second = tracked('2', counts).pipe(a.withClusterLock('turns')).subscribe();
    await expectStill('the second source to stay unsubscribed', () => counts.subscribed['2'] === undefined);
    first.unsubscribe();
    await waitFor('the second source to run', () => counts.subscribed['2'] === 1);
    expect(counts.most).to.equal(1);
    second.unsubscribe();
  });

  it('withClusterLock() releases the lock before passing on completion and error', async () => {
    const a = await members.join();
    await within('completion', 2_000, new Promise((resolve) => timer(20).pipe(a.withClusterLock('done')).subscribe({ complete: () => resolve(null) })));
    const done = a.mutex('done');
    expect(await done.tryLock(), 'lock free after completion').to.not.equal(null);
    await done.unlock();

    const boom = new Error('boom');
    const failing = timer(20).pipe(mergeMap(() => throwError(() => boom)), a.withClusterLock('failed'));
    const failed = await within('error', 2_000, new Promise((resolve) => failing.subscribe({ error: resolve })));
    expect(failed).to.equal(boom);
    expect(await a.mutex('failed').tryLock(), 'lock free after error').to.not.equal(null);
  });

  it('withClusterLock() reacquires and resubscribes the source when the lock is deleted under the holder', async () => {
    const a = await members.join();
    const events: ClusterEvent[] = [];
    a.events$.subscribe((event) => events.push(event));
    const counts = { live: 0, most: 0, subscribed: {} as Record<string, number> };
    const subscription = tracked('a', counts).pipe(a.withClusterLock('lost', { ttl: 2_000, refreshInterval: 50 })).subscribe();
    await waitFor('the source to run', () => counts.live === 1);
    await members.deleteLock(kit.namespace, 'lost');
    await waitFor('the source to be resubscribed', () => counts.subscribed['a'] === 2);
    const kinds = events.filter((e) => e.key === 'lost').map((e) => e.type);
    expect(kinds).to.deep.equal(['lock-acquired', 'lock-lost', 'lock-acquired']);
    const fences = events.filter((e) => e.type === 'lock-acquired').map((e) => e.fence!);
    expect(fences[1]).to.be.greaterThan(fences[0]!);
    expect(counts.most).to.equal(1);
    subscription.unsubscribe();
  });

  it("withClusterLock({ onLost: 'error' }) errors with LockLostError when the lock is deleted under the holder", async () => {
    const a = await members.join();
    const counts = { live: 0, most: 0, subscribed: {} as Record<string, number> };
    const failed = new Promise((resolve) =>
      tracked('a', counts).pipe(a.withClusterLock('lost', { ttl: 2_000, refreshInterval: 50, onLost: 'error' })).subscribe({ error: resolve }),
    );
    await waitFor('the source to run', () => counts.live === 1);
    await members.deleteLock(kit.namespace, 'lost');
    const error = await within('LockLostError', 2_000, failed);
    expect(error).to.be.instanceOf(LockLostError).and.to.include({ key: 'lost' });
    expect(counts.live).to.equal(0);
    expect(counts.subscribed['a']).to.equal(1);
  });

  it('withClusterLock() completes when the cluster closes, and the lock passes to another instance', async () => {
    const [a, b] = [await members.join(), await members.join()];
    const counts = { live: 0, most: 0, subscribed: {} as Record<string, number> };
    const completed = new Promise((resolve) => tracked('a', counts).pipe(a.withClusterLock('close')).subscribe({ complete: () => resolve(null) }));
    await waitFor('a to run', () => counts.live === 1);
    const waiter = tracked('b', counts).pipe(b.withClusterLock('close')).subscribe();
    await a.close();
    await within('completion on close', 2_000, completed);
    await waitFor('b to take over', () => counts.subscribed['b'] === 1);
    waiter.unsubscribe();
  });
});

/** Asserts that `condition` keeps holding for a while: for things that must NOT happen. */
async function expectStill(what: string, condition: () => boolean, ms = 150): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(condition(), what).to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
