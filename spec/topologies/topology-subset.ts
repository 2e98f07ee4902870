import { expect } from 'chai';
import { interval, map, type Subscription } from 'rxjs';
import { duplicates, record, timesSeen, type Seen } from '../once-kit.js';
import type { StoreKit } from '../support/store-kit.js';
import { concurrency } from '../support/concurrency.js';
import { waitFor, within } from '../support/wait-for.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a topology spec tells the subset about its nodes. */
export interface TopologyProbe {
  /** How many connections listen on the pub/sub `channel`, counted on the nodes that serve it. */
  listeners(channel: string): Promise<number>;
}

/**
 * The Mutex, withClusterLock, job$ and once behaviour that depends on how the store reaches
 * Redis — scripts routed by slot, push wake-ups over (sharded) pub/sub, the once index
 * claimed from several instances — run on a kit whose stores sit on a Redis Cluster or a
 * Sentinel group. Every title carries the tag `@topology`.
 */
export function topologySubset(kit: StoreKit, topology: TopologyProbe): void {
  describe('Mutex @topology', () => {
    it('Mutex excludes across three instances over 300 contended cycles, with strictly increasing fences @topology', async function () {
      this.timeout(30_000);
      const instances = await Promise.all([kit.instance(), kit.instance(), kit.instance()]);
      let inside = 0;
      let overlaps = 0;
      const fences: number[] = [];
      await Promise.all(
        instances.map(async (cluster) => {
          const m = cluster.mutex('contended', { ttl: 5_000 });
          for (let i = 0; i < 100; i += 1) {
            await m.runExclusive(async (lease) => {
              inside += 1;
              if (inside > 1) overlaps += 1;
              fences.push(lease.fence);
              await Promise.resolve();
              inside -= 1;
            });
          }
        }),
      );
      expect(overlaps).to.equal(0);
      expect(fences).to.have.length(300);
      fences.forEach((fence, i) => i > 0 && expect(fence, `fence #${i}`).to.be.above(fences[i - 1]!));
    });

    it('Mutex#lock() on another instance is woken by the release, not by the ttl @topology', async () => {
      const [a, b] = [await kit.instance(), await kit.instance()];
      const held = a.mutex('wake', { ttl: 20_000 });
      await held.lock();
      const waiting = b.mutex('wake', { ttl: 20_000 }).lock();
      const channel = `${kit.namespace}:released:{wake}`;
      await waitFor('the waiter to listen for the release', async () => (await topology.listeners(channel)) === 1, 5_000);
      const releasedAt = Date.now();
      await held.unlock();
      const lease = await within('the waiter to win', 5_000, waiting);
      expect(Date.now() - releasedAt, 'ms from release to the waiter holding').to.be.below(1_000);
      expect(lease.fence).to.equal(2);
    });
  });

  describe('withClusterLock @topology', () => {
    it('withClusterLock() on two instances runs only the holder’s source, and hands over on unsubscribe @topology', async () => {
      const [a, b] = [await kit.instance(), await kit.instance()];
      const emitted: string[] = [];
      const source = (name: string) => interval(20).pipe(map(() => name));
      const first = source('a').pipe(a.withClusterLock('gate', { ttl: 10_000 })).subscribe((v) => emitted.push(v));
      await waitFor('a to emit', () => emitted.includes('a'));
      const second = source('b').pipe(b.withClusterLock('gate', { ttl: 10_000 })).subscribe((v) => emitted.push(v));
      await pause(200);
      expect(emitted.includes('b'), 'b emits while a holds').to.equal(false);
      first.unsubscribe();
      const handedAt = Date.now();
      await waitFor('b to emit', () => emitted.includes('b'), 5_000);
      expect(Date.now() - handedAt).to.be.below(1_000);
      second.unsubscribe();
    });
  });

  describe('job$ @topology', () => {
    it('job$(key, 100) on three instances runs 3 to 20 times in 1 s, never two runs at once @topology', async () => {
      const instances = await Promise.all([kit.instance(), kit.instance(), kit.instance()]);
      const { seen, work } = concurrency();
      const subscriptions: Subscription[] = instances.map((cluster) => cluster.job$('beat', 100, work).subscribe());
      await pause(1_000);
      subscriptions.forEach((subscription) => subscription.unsubscribe());
      expect(seen.runs).to.be.within(3, 20);
      expect(seen.most, 'runs in progress at once').to.equal(1);
    });
  });

  describe('once @topology', () => {
    it('once.runs$ on three instances delivers each of 300 jobs exactly once, never before its runAt @topology', async function () {
      this.timeout(20_000);
      const instances = await Promise.all([kit.instance(), kit.instance(), kit.instance()]);
      const seen: Seen[] = [];
      instances.forEach((cluster, i) => record(cluster, `i${i}`, seen));
      const start = Date.now() + 300;
      const keys = Array.from({ length: 300 }, (_, i) => `job-${i}`);
      await Promise.all(keys.map((key, i) => instances[i % 3]!.once.schedule(key, start + i * 5)));
      await waitFor('300 deliveries', () => seen.length >= 300, 10_000);
      expect(duplicates(seen)).to.deep.equal([]);
      expect([...timesSeen(seen).keys()].sort()).to.deep.equal([...keys].sort());
      // the store's clock decides; the instances share this machine's clock
      const early = seen.filter((run) => run.at < run.runAt.getTime() - 50);
      expect(early.map((run) => run.key)).to.deep.equal([]);
      await waitFor('every job to be removed', async () => (await instances[0]!.once.list()).length === 0, 5_000);
    });

    it('once.schedule() on one instance wakes an idle runner on another at once: pushed, not polled @topology', async () => {
      const a = await kit.instance({ once: { pollInterval: 60_000 } });
      const b = await kit.instance();
      const seen: Seen[] = [];
      record(a, 'a', seen);
      await b.once.schedule('warm-up', Date.now());
      await waitFor('the runner to be live', () => seen.length === 1, 3_000);
      // a's runner has claimed, found nothing more, and sleeps for a minute
      const runAt = Date.now() + 200;
      await b.once.schedule('pushed', runAt);
      await waitFor('the pushed job', () => seen.length === 2, 3_000);
      expect(seen[1]!.key).to.equal('pushed');
      expect(seen[1]!.at - runAt, 'ms late').to.be.below(1_000);
    });

    it('once.cancel() on another instance stops the job from firing anywhere @topology', async () => {
      const [a, b] = [await kit.instance(), await kit.instance()];
      const seen: Seen[] = [];
      record(a, 'a', seen);
      const now = Date.now();
      await a.once.schedule('cancelled', now + 200);
      await a.once.schedule('control', now + 300);
      expect(await b.once.cancel('cancelled')).to.equal(true);
      await waitFor('the control job', () => seen.length > 0, 3_000);
      await pause(100);
      expect(seen.map((run) => run.key)).to.deep.equal(['control']);
    });
  });
}
