import { expect } from 'chai';
import { firstValueFrom, filter, take, toArray, type Observable } from 'rxjs';
import type { ClusterStore, StoredOnceJob } from '../../lib/stores/store.js';
import type { StoreKit } from '../support/store-kit.js';
import { waitFor } from '../support/wait-for.js';

/** Resolves with the first `count` notices after `listening`, once the subscription is live. */
async function listen<T>(source: Observable<T | 'listening'>, count: number) {
  let live!: () => void;
  const listening = new Promise<void>((resolve) => (live = resolve));
  const received: T[] = [];
  const subscription = source.subscribe((notice) => (notice === 'listening' ? live() : received.push(notice)));
  await listening;
  return {
    received,
    done: () => waitFor(`${count} notification(s)`, () => received.length >= count).finally(() => subscription.unsubscribe()),
    stop: () => subscription.unsubscribe(),
  };
}

const job = (key: string, runAt: number, props = 'null'): StoredOnceJob => ({ key, runAt, props });

/**
 * The store contract: every guarantee of API.md rests on these operations, so memoryStore and
 * redisStore run the very same suite.
 */
export function storeContract(kit: StoreKit, { onceBuckets = 1 }: { onceBuckets?: number } = {}): void {
  /** How many jobs more than `limit` one claim may take: one share, rounded up, per bucket. */
  const claimSlack = onceBuckets - 1;
  let a: ClusterStore;
  let b: ClusterStore;
  let ns: string;
  beforeEach(async () => {
    a = await kit.store();
    b = await kit.store();
    ns = kit.namespace;
  });

  describe('locks', () => {
    it('acquire() takes a free lock and returns fence 1, then a held lock returns 0 and the ttl left', async () => {
      expect(await a.acquire(ns, 'k', 'o1', 5_000)).to.deep.equal({ fence: 1, ttlLeft: 0 });
      const held = await b.acquire(ns, 'k', 'o2', 5_000);
      expect(held.fence).to.equal(0);
      expect(held.ttlLeft).to.be.within(4_000, 5_000);
    });

    it('acquire() fences strictly increase across acquisitions and owners', async () => {
      const fences: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const store = i % 2 ? a : b;
        fences.push((await store.acquire(ns, 'k', `o${i}`, 5_000)).fence);
        expect(await store.release(ns, 'k', `o${i}`)).to.equal(true);
      }
      expect(fences).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it('keys and namespaces are independent', async () => {
      expect((await a.acquire(ns, 'k1', 'o', 5_000)).fence).to.equal(1);
      expect((await a.acquire(ns, 'k2', 'o', 5_000)).fence).to.equal(1);
      expect((await b.acquire(`${ns}-other`, 'k1', 'o', 5_000)).fence).to.equal(1);
    });

    it('keys with braces, percent signs and colons stay distinct', async () => {
      const keys = ['a{b}', 'a%7Bb}', '}', '{', '%', 'x:y', 'x}:{y'];
      for (const key of keys) expect((await a.acquire(ns, key, 'o', 5_000)).fence, key).to.equal(1);
      expect((await a.heldLocks(ns)).map((lock) => lock.key).sort()).to.deep.equal([...keys].sort());
    });

    it('a lock expires after its ttl and can be taken again', async () => {
      await a.acquire(ns, 'k', 'o1', 60);
      await waitFor('the lock to expire', async () => (await b.acquire(ns, 'k', 'o2', 5_000)).fence === 2, 2_000);
    });

    it('extend() resets the ttl only for the owner', async () => {
      await a.acquire(ns, 'k', 'o1', 150);
      expect(await b.extend(ns, 'k', 'o2', 5_000)).to.equal(false);
      expect(await a.extend(ns, 'k', 'o1', 5_000)).to.equal(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await b.acquire(ns, 'k', 'o2', 5_000)).fence).to.equal(0);
    });

    it('extend() of an expired or released lock is false', async () => {
      await a.acquire(ns, 'k', 'o1', 5_000);
      await a.release(ns, 'k', 'o1');
      expect(await a.extend(ns, 'k', 'o1', 5_000)).to.equal(false);
      await a.acquire(ns, 'k', 'o2', 30);
      await waitFor('the lock to expire', async () => (await b.acquire(ns, 'k', 'o3', 5_000)).fence > 0, 2_000);
      expect(await a.extend(ns, 'k', 'o2', 5_000)).to.equal(false);
    });

    it('release() deletes the lock only for its owner', async () => {
      await a.acquire(ns, 'k', 'o1', 5_000);
      expect(await b.release(ns, 'k', 'o2')).to.equal(false);
      expect((await b.acquire(ns, 'k', 'o2', 5_000)).fence).to.equal(0);
      expect(await a.release(ns, 'k', 'o1')).to.equal(true);
      expect(await a.release(ns, 'k', 'o1')).to.equal(false);
      expect((await b.acquire(ns, 'k', 'o2', 5_000)).fence).to.equal(2);
    });

    it('released() says listening, then notifies every listener of each release of its key only', async () => {
      const first = await listen(b.released(ns, 'k'), 2);
      const second = await listen(a.released(ns, 'k'), 2);
      const other = await listen(b.released(ns, 'other'), 1);
      for (const owner of ['o1', 'o2']) {
        await a.acquire(ns, 'k', owner, 5_000);
        await a.release(ns, 'k', owner);
      }
      await a.acquire(ns, 'k', 'o3', 5_000);
      expect(await b.release(ns, 'k', 'not-the-owner')).to.equal(false);
      await Promise.all([first.done(), second.done()]);
      expect(first.received).to.deep.equal(['notified', 'notified']);
      expect(second.received).to.deep.equal(['notified', 'notified']);
      other.stop();
      expect(other.received).to.deep.equal([]);
    });

    it('heldLocks() lists live locks with fence and ttl left', async () => {
      await a.acquire(ns, 'x', 'o', 5_000);
      await a.acquire(ns, 'y', 'o', 5_000);
      await a.release(ns, 'y', 'o');
      await a.acquire(ns, 'y', 'o', 5_000);
      const held = await b.heldLocks(ns);
      expect(held.map(({ key, fence }) => ({ key, fence }))).to.deep.equal([
        { key: 'x', fence: 1 },
        { key: 'y', fence: 2 },
      ]);
      held.forEach((lock) => expect(lock.ttlLeft).to.be.within(1, 5_000));
    });
  });

  describe('recurring job metadata', () => {
    it('getLastFinished() is null until set, then what any instance set last', async () => {
      expect(await a.getLastFinished(ns, 'j')).to.equal(null);
      await a.setLastFinished(ns, 'j', 1_700_000_000_123);
      expect(await b.getLastFinished(ns, 'j')).to.equal(1_700_000_000_123);
      await b.setLastFinished(ns, 'j', 1_700_000_000_999);
      expect(await a.getLastFinished(ns, 'j')).to.equal(1_700_000_000_999);
      expect(await a.getLastFinished(`${ns}-other`, 'j')).to.equal(null);
    });

    it('recurringJobs() lists every job of the namespace that finished, by key', async () => {
      await a.setLastFinished(ns, 'b{1}', 2, 2_002);
      await a.setLastFinished(ns, 'a', 1);
      await a.setLastFinished(`${ns}-other`, 'c', 3);
      await a.acquire(`${ns}:job`, 'a', 'o', 5_000);
      expect(await b.recurringJobs(ns)).to.deep.equal([
        { key: 'a', lastFinished: 1, nextDue: null },
        { key: 'b{1}', lastFinished: 2, nextDue: 2_002 },
      ]);
      expect(await b.getLastFinished(ns, 'b{1}')).to.equal(2);
    });
  });

  describe('once jobs', () => {
    it('onceAdd() stores a job once per key; onceGet() returns it as stored', async () => {
      expect(await a.onceAdd(ns, job('j', 1_000, '{"x":[1,"|"]}'))).to.equal(true);
      expect(await b.onceAdd(ns, job('j', 2_000))).to.equal(false);
      expect(await b.onceGet(ns, 'j')).to.deep.equal(job('j', 1_000, '{"x":[1,"|"]}'));
      expect(await b.onceGet(ns, 'missing')).to.equal(null);
    });

    it('onceAdded() says listening, then tells every listener the runAt of each added job', async () => {
      const listener = await listen(b.onceAdded(ns), 2);
      const elsewhere = await listen(b.onceAdded(`${ns}-other`), 1);
      await a.onceAdd(ns, job('j1', 1_234));
      await a.onceAdd(ns, job('j1', 9_999));
      await a.onceAdd(ns, job('j2', 5_678));
      await listener.done();
      elsewhere.stop();
      expect(listener.received).to.deep.equal([1_234, 5_678]);
      expect(elsewhere.received).to.deep.equal([]);
    });

    it('onceCancel() removes a job, claimed or not, and says whether it existed', async () => {
      await a.onceAdd(ns, job('j1', 0));
      await a.onceAdd(ns, job('j2', 0));
      await a.onceClaim(ns, 'c', 5_000, 1);
      expect(await b.onceCancel(ns, 'j1')).to.equal(true);
      expect(await b.onceCancel(ns, 'j2')).to.equal(true);
      expect(await b.onceCancel(ns, 'j2')).to.equal(false);
      expect(await a.onceList(ns, 10)).to.deep.equal([]);
      expect((await a.onceClaim(ns, 'c', 5_000, 10)).jobs).to.deep.equal([]);
      expect(await a.onceAck(ns, 'j1', 'c')).to.equal(false);
    });

    it('onceList() pages by (runAt, key), claimed jobs included', async () => {
      const runAts = [50, 10, 10, 10, 30, 20, 10, 40];
      for (const [i, runAt] of runAts.entries()) await a.onceAdd(ns, job(`k${i}`, runAt));
      await a.onceClaim(ns, 'c', 60_000, 2);
      const seen = await listInPages(b, ns, 3);
      expect(seen.map((j) => `${j.runAt}:${j.key}`)).to.deep.equal([
        '10:k1', '10:k2', '10:k3', '10:k6', '20:k5', '30:k4', '40:k7', '50:k0',
      ]);
    });

    it('onceList() pages jobs of one runAt by the UTF-8 bytes of their keys: astral, U+FFxx and mixed-case keys each once', async () => {
      const keys = ['b', 'B', 'a', 'A', 'aB', 'Ab', '\u{1F600}', '\uFF01', 'x\u{1F600}', 'x\uFF01', 'x\uE000y', 'é', 'Z', 'z\u{10FFFF}'];
      for (const key of keys) await a.onceAdd(ns, job(key, 1_000));
      await a.onceAdd(ns, job('earlier', 999));
      await a.onceClaim(ns, 'c', 60_000, 2);
      const seen = await listInPages(b, ns, 3);
      const bytes = (key: string) => Buffer.from(key, 'utf8');
      const expected = ['earlier', ...[...keys].sort((x, y) => Buffer.compare(bytes(x), bytes(y)))];
      expect(seen.map((j) => j.key)).to.deep.equal(expected);
    });

    it('onceClaim() takes the due jobs in runAt order, each once, and reports the next due time', async () => {
      const now = Date.now();
      await a.onceAdd(ns, job('late', now + 60_000));
      await a.onceAdd(ns, job('due2', now - 1_000));
      await a.onceAdd(ns, job('due1', now - 2_000, '{"n":1}'));
      await a.onceAdd(ns, job('due3', now - 500));
      const first = await a.onceClaim(ns, 'c1', 5_000, 10);
      expect(first.jobs).to.deep.equal([
        { key: 'due1', runAt: now - 2_000, props: '{"n":1}', attempt: 1 },
        { key: 'due2', runAt: now - 1_000, props: 'null', attempt: 1 },
        { key: 'due3', runAt: now - 500, props: 'null', attempt: 1 },
      ]);
      expect(first.now).to.be.closeTo(Date.now(), 1_000);
      expect(first.nextDueIn).to.be.within(4_000, 5_000); // the claim leases end before 'late' is due
      const second = await b.onceClaim(ns, 'c2', 5_000, 10);
      expect(second.jobs).to.deep.equal([]);
    });

    it('onceClaim() claims at most `limit` jobs (plus one share per extra bucket), and says more are due', async () => {
      for (let i = 0; i < 5; i += 1) await a.onceAdd(ns, job(`j${i}`, i));
      const claimed: string[] = [];
      for (let round = 0; round < 20 && claimed.length < 5; round += 1) {
        const claim = await a.onceClaim(ns, 'c', 60_000, 2);
        expect(claim.jobs.length).to.be.at.least(1).and.at.most(2 + claimSlack);
        if (claimed.length + claim.jobs.length < 5) expect(claim.nextDueIn, 'jobs still due').to.equal(0);
        claimed.push(...claim.jobs.map((j) => j.key));
      }
      expect(claimed.sort()).to.deep.equal(['j0', 'j1', 'j2', 'j3', 'j4']);
    });

    it('onceClaim() reports null when nothing is scheduled', async () => {
      expect(await a.onceClaim(ns, 'c', 5_000, 10)).to.include({ nextDueIn: null });
    });

    it('a claim whose lease ran out is claimed again with attempt + 1; the old claimant can no longer ack or extend', async () => {
      await a.onceAdd(ns, job('j', 0, '"p"'));
      expect((await a.onceClaim(ns, 'c1', 50, 10)).jobs[0]?.attempt).to.equal(1);
      let again: Awaited<ReturnType<ClusterStore['onceClaim']>> | undefined;
      await waitFor('the claim lease to run out', async () => (again = await b.onceClaim(ns, 'c2', 5_000, 10)).jobs.length > 0, 2_000);
      expect(again!.jobs).to.deep.equal([{ key: 'j', runAt: 0, props: '"p"', attempt: 2 }]);
      expect(await a.onceExtendClaim(ns, 'j', 'c1', 5_000)).to.equal(false);
      expect(await a.onceAck(ns, 'j', 'c1')).to.equal(false);
      expect(await b.onceAck(ns, 'j', 'c2')).to.equal(true);
      expect(await a.onceGet(ns, 'j')).to.equal(null);
    });

    it('onceExtendClaim() keeps a live claim from being redelivered', async () => {
      await a.onceAdd(ns, job('j', 0));
      await a.onceClaim(ns, 'c1', 150, 10);
      for (let i = 0; i < 4; i += 1) {
        expect(await a.onceExtendClaim(ns, 'j', 'c1', 150)).to.equal(true);
        expect((await b.onceClaim(ns, 'c2', 5_000, 10)).jobs).to.deep.equal([]);
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
      expect(await b.onceExtendClaim(ns, 'j', 'c2', 5_000)).to.equal(false);
    });

    it('onceAck() removes the job for its claimant only', async () => {
      await a.onceAdd(ns, job('j', 0));
      await a.onceClaim(ns, 'c1', 5_000, 10);
      expect(await b.onceAck(ns, 'j', 'c2')).to.equal(false);
      expect(await b.onceCount(ns)).to.deep.equal({ scheduled: 1, claimed: 1 });
      expect(await a.onceAck(ns, 'j', 'c1')).to.equal(true);
      expect(await b.onceCount(ns)).to.deep.equal({ scheduled: 0, claimed: 0 });
    });

    it('a job cancelled and added again under the same key is a new job', async () => {
      await a.onceAdd(ns, job('j', 0));
      await a.onceClaim(ns, 'c1', 5_000, 10);
      await b.onceCancel(ns, 'j');
      await b.onceAdd(ns, job('j', 0, '2'));
      expect(await a.onceAck(ns, 'j', 'c1')).to.equal(false);
      const claim = await b.onceClaim(ns, 'c2', 5_000, 10);
      expect(claim.jobs).to.deep.equal([{ key: 'j', runAt: 0, props: '2', attempt: 1 }]);
    });

    it('concurrent claims from two stores deliver each of 500 due jobs exactly once', async () => {
      for (let i = 0; i < 500; i += 1) await a.onceAdd(ns, job(`j${i}`, i));
      const claimed: string[] = [];
      const drain = async (store: ClusterStore, claimant: string) => {
        for (let round = 0; round < 100; round += 1) {
          const { jobs } = await store.onceClaim(ns, claimant, 30_000, 7);
          if (jobs.length === 0) return;
          claimed.push(...jobs.map((j) => j.key));
        }
      };
      await Promise.all([drain(a, 'c1'), drain(b, 'c2'), drain(a, 'c3')]);
      expect(claimed).to.have.length(500);
      expect(new Set(claimed).size).to.equal(500);
    });
  });

  it('a store notification stream can be subscribed and unsubscribed repeatedly', async () => {
    for (let i = 0; i < 3; i += 1) {
      const notices = await firstValueFrom(a.released(ns, 'k').pipe(filter((n) => n === 'listening'), take(1), toArray()));
      expect(notices).to.deep.equal(['listening']);
    }
  });
}

/** Every job of `ns`, read through `onceList()` in pages of `size`, each after the last. */
async function listInPages(store: ClusterStore, ns: string, size: number): Promise<StoredOnceJob[]> {
  const seen: StoredOnceJob[] = [];
  let page: StoredOnceJob[] = [];
  do {
    page = await store.onceList(ns, size, seen.at(-1));
    seen.push(...page);
  } while (page.length === size);
  return seen;
}
