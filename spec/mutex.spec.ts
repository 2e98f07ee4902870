import { expect } from 'chai';
import { firstValueFrom, Subscription, filter, take } from 'rxjs';
import { createCluster } from '../lib/cluster.js';
import { LockLostError, LockNotHeldError, LockTimeoutError } from '../lib/errors.js';
import type { Lease } from '../lib/lease.js';
import { memoryStore } from '../lib/stores/memory-store.js';
import { redisStore } from '../lib/stores/redis-store.js';
import { startChild } from './support/child.js';
import { fastClock } from './support/fast-clock.js';
import { severableStore } from '../lib/stores/severable-store.js';
import { connectRedis } from './support/redis.js';
import { startRedisServer } from './support/redis-server.js';
import { forEachStore, RecordingLogger } from './support/store-kit.js';
import { settlesWithin, waitFor, within } from './support/wait-for.js';

forEachStore('Mutex', (kit) => {
  it('Mutex#lock() and #unlock() cycle, with a fence that grows on every acquisition', async () => {
    const { mutex } = await kit.instance();
    const m = mutex('cycle');
    const fences: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const lease = await m.lock();
      expect(lease.key).to.equal('cycle');
      fences.push(lease.fence);
      await m.unlock();
      expect(lease.signal.aborted, 'signal aborts on release').to.equal(true);
    }
    expect(fences).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('Mutex#unlock() throws LockNotHeldError synchronously when not held', async () => {
    const { mutex } = await kit.instance();
    const m = mutex('never-locked');
    expect(() => m.unlock()).to.throw(LockNotHeldError, /never-locked/);
    await m.lock();
    await m.unlock();
    expect(() => m.unlock()).to.throw(LockNotHeldError);
  });

  it('Mutex#lock() waits while another instance holds the key, and wins promptly after unlock', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const held = a.mutex('shared', { ttl: 10_000 });
    await held.lock();
    const waiting = b.mutex('shared', { ttl: 10_000 }).lock();
    expect(await settlesWithin(waiting, 300), 'lock() while held').to.equal(false);
    const releasedAt = Date.now();
    await held.unlock();
    const lease = await within('the waiter to win', 2_000, waiting);
    // woken by the release notification, not by the 10 s ttl
    expect(Date.now() - releasedAt).to.be.below(500);
    expect(lease.fence).to.equal(2);
  });

  it('Mutex#lock() waits when the same Mutex already holds the key', async () => {
    const { mutex } = await kit.instance();
    const m = mutex('self');
    await m.lock();
    const second = m.lock();
    expect(await settlesWithin(second, 200)).to.equal(false);
    await m.unlock();
    expect((await within('the second lock()', 2_000, second)).fence).to.equal(2);
  });

  it('Mutex#tryLock() makes one attempt: a lease when free, null when held', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const lease = await a.mutex('try').tryLock();
    expect(lease?.fence).to.equal(1);
    expect(await b.mutex('try').tryLock()).to.equal(null);
    await a.mutex('try').lock({ timeout: 50 }).catch((error: unknown) => expect(error).to.be.instanceOf(LockTimeoutError));
  });

  it('Mutex keys are independent', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    await a.mutex('one').lock();
    const other = await within('a lock on another key', 2_000, b.mutex('two').lock());
    expect(other.fence).to.equal(1);
  });

  it('Mutex#lock({ signal }) waits while the signal is not aborted, and rejects with its reason when it is', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const holder = a.mutex('signal');
    await holder.lock();
    const controller = new AbortController();
    const waiting = b.mutex('signal').lock({ signal: controller.signal });
    expect(await settlesWithin(waiting, 200)).to.equal(false);
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await waiting.catch((error: unknown) => error)).to.equal(reason);
    const aborted = AbortSignal.abort(new Error('already'));
    expect(await b.mutex('signal').lock({ signal: aborted }).catch((error: Error) => error.message)).to.equal('already');
    // an uncancelled signal still wins once the lock is free
    const patient = b.mutex('signal').lock({ signal: new AbortController().signal });
    await holder.unlock();
    expect((await within('the patient waiter', 2_000, patient)).fence).to.equal(2);
  });

  it('Mutex#lock({ timeout }) rejects with LockTimeoutError naming the key', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    await a.mutex('slow').lock();
    const started = Date.now();
    const error = await b.mutex('slow').lock({ timeout: 150 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LockTimeoutError).with.property('key', 'slow');
    expect(Date.now() - started).to.be.within(140, 1_000);
  });

  it('Mutex excludes across instances over 2,000 contended cycles, with strictly increasing fences', async function () {
    this.timeout(60_000);
    const instances = await Promise.all([kit.instance(), kit.instance(), kit.instance()]);
    let inside = 0;
    let overlaps = 0;
    const fences: number[] = [];
    await Promise.all(
      instances.flatMap((cluster) =>
        [0, 1].map(async () => {
          const m = cluster.mutex('contended', { ttl: 5_000 });
          for (let i = 0; i < 334; i += 1) {
            const lease = await m.runExclusive(async (held) => {
              inside += 1;
              if (inside > 1) overlaps += 1;
              fences.push(held.fence);
              await Promise.resolve();
              inside -= 1;
              return held;
            });
            expect(lease.signal.aborted).to.equal(true);
          }
        }),
      ),
    );
    expect(overlaps).to.equal(0);
    expect(fences).to.have.length(2_004);
    fences.forEach((fence, i) => i > 0 && expect(fence, `fence #${i}`).to.be.above(fences[i - 1]!));
  });

  it('Mutex#lock$() emits the lease, holds it while subscribed and releases on unsubscribe', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    const leases: Lease[] = [];
    const subscription = a.mutex('stream').lock$().subscribe((lease) => leases.push(lease));
    await waitFor('the lease', () => leases.length === 1);
    expect(await b.mutex('stream').tryLock()).to.equal(null);
    const waiter = b.mutex('stream').lock();
    subscription.unsubscribe();
    expect((await within('the waiter', 2_000, waiter)).fence).to.equal(2);
    expect(leases[0]!.signal.aborted).to.equal(true);
  });

  it('Mutex#runExclusive() releases when fn throws, and returns what fn returns', async () => {
    const { mutex } = await kit.instance();
    const m = mutex('exclusive');
    expect(await m.runExclusive((lease) => lease.fence * 10)).to.equal(10);
    const error = await m.runExclusive(() => Promise.reject(new Error('boom'))).catch((e: Error) => e.message);
    expect(error).to.equal('boom');
    expect((await m.tryLock())?.fence).to.equal(3);
  });

  it('Mutex#lock() waits out a failing store (logged, backing off) and succeeds once it recovers', async () => {
    const faulty = severableStore(await kit.store());
    const cluster = await kit.instance({}, faulty.store);
    const events: string[] = [];
    cluster.events$.subscribe((event) => events.push(`${event.type}:${event.operation ?? ''}`));
    faulty.sever('acquire');
    const waiting = cluster.mutex('flaky').lock();
    await waitFor('a logged store error', () => kit.logger.errors.length > 0);
    expect(kit.logger.errors[0]!.message).to.match(/acquire failed; retrying in \d+ ms/);
    expect(events).to.include('store-error:acquire');
    expect(await settlesWithin(waiting, 100)).to.equal(false);
    faulty.heal();
    expect((await within('lock() after recovery', 5_000, waiting)).fence).to.equal(1);
  });

  it('Mutex#unlock() that fails is logged and resolves; the lock then expires after ttl', async () => {
    const faulty = severableStore(await kit.store());
    const a = await kit.instance({}, faulty.store);
    const b = await kit.instance();
    const m = a.mutex('stuck', { ttl: 400 });
    await m.lock();
    faulty.sever('release');
    const unlockedAt = Date.now();
    await m.unlock();
    expect(kit.logger.errors.map((e) => e.message).join()).to.match(/releasing a lock failed/);
    const lease = await within('the lock to expire', 3_000, b.mutex('stuck', { ttl: 400 }).lock());
    expect(Date.now() - unlockedAt).to.be.above(250);
    expect(lease.fence).to.equal(2);
  });

  it('a lease whose refreshes fail until its ttl runs out is lost: signal, lock-lost event, lock$ error', async () => {
    const faulty = severableStore(await kit.store());
    const cluster = await kit.instance({}, faulty.store);
    const lost = firstValueFrom(cluster.events$.pipe(filter((e) => e.type === 'lock-lost')));
    let streamError: unknown;
    const leases: Lease[] = [];
    cluster.mutex('fragile', { ttl: 300, refreshInterval: 100 }).lock$().subscribe({
      next: (lease) => leases.push(lease),
      error: (error: unknown) => (streamError = error),
    });
    await waitFor('the lease', () => leases.length === 1);
    faulty.sever('extend');
    await waitFor('the lease to be lost', () => leases[0]!.signal.aborted, 2_000);
    expect(leases[0]!.signal.reason).to.be.instanceOf(LockLostError);
    expect(streamError).to.be.instanceOf(LockLostError);
    expect((await lost).key).to.equal('fragile');
  });

  it('Mutex#unlock() by a caller whose lease was lost never releases the lease a later lock() on the same Mutex won', async () => {
    const faulty = severableStore(await kit.store());
    const [a, b] = [await kit.instance({}, faulty.store), await kit.instance()];
    const m = a.mutex('one-slot', { ttl: 300, refreshInterval: 100 });
    const first = await m.lock();
    const second = m.lock();
    faulty.sever('extend');
    await waitFor('the first lease to be lost', () => first.signal.aborted, 2_000);
    faulty.heal();
    const won = await within('the second lock()', 3_000, second);
    await m.unlock(); // the first caller, finishing after its loss
    expect(won.signal.aborted, 'the live lease is untouched').to.equal(false);
    expect(await b.mutex('one-slot').tryLock(), 'another instance while the second caller holds').to.equal(null);
    await m.unlock();
    expect(won.signal.aborted).to.equal(true);
    expect(() => m.unlock()).to.throw(LockNotHeldError);
  });

  it('Mutex#lock({ timeout }) and lock({ signal }) hold while the store stalls on the first attempt', async () => {
    const stalled = severableStore(await kit.store());
    stalled.stall('acquire');
    const { mutex } = await kit.instance({}, stalled.store);
    const timedOut = mutex('stalled').lock({ timeout: 150 }).catch((error: unknown) => error);
    const controller = new AbortController();
    const aborted = mutex('stalled').lock({ signal: controller.signal }).catch((error: unknown) => error);
    await waitFor('both first attempts to be held back', () => stalled.held === 2);
    controller.abort(new Error('shutting down'));
    expect(await within('the abort', 1_000, aborted)).to.have.property('message', 'shutting down');
    expect(await within('the timeout', 1_000, timedOut)).to.be.instanceOf(LockTimeoutError);
    stalled.heal(); // the attempts land now: what they won is let go
    const other = await kit.instance();
    expect(await within('the lock to be free', 2_000, other.mutex('stalled').lock())).to.have.property('key', 'stalled');
  });

  it('Mutex#lock$() on a closed cluster completes at once and takes nothing', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    await a.close();
    const leases: Lease[] = [];
    let completed = false;
    const subscription = a.mutex('after-close').lock$().subscribe({ next: (lease) => leases.push(lease), complete: () => (completed = true) });
    try {
      await waitFor('lock$() to complete', () => completed, 1_000);
      expect(leases).to.deep.equal([]);
      expect(await b.mutex('after-close').tryLock()).to.not.equal(null);
    } finally {
      subscription.unsubscribe(); // a lease taken after close would otherwise be held for good
    }
  });

  it('Cluster#close() gives up on a store that stalls after a bounded wait, and logs it', async () => {
    const stalled = severableStore(await kit.store());
    stalled.stall('release');
    const a = await kit.instance({ scheduler: fastClock(100) }, stalled.store);
    await a.mutex('stalled-release').lock();
    // 10 s of library time: 100 ms here
    expect(await settlesWithin(a.close(), 3_000), 'close() settles').to.equal(true);
    expect(stalled.held).to.equal(1);
    expect(kit.logger.errors.map((entry) => entry.message)).to.include(
      'rx-cluster: close() gave up waiting for the store; locks still held expire after their ttl',
    );
    stalled.heal();
  });

  it('Mutex rejects bad input synchronously, naming the argument, before touching the store', async () => {
    const faulty = severableStore(await kit.store());
    const { mutex } = await kit.instance({}, faulty.store);
    expect(() => mutex('')).to.throw(TypeError, /`key`.*""/);
    expect(() => mutex(42 as unknown as string)).to.throw(TypeError, /`key`.*42/);
    expect(() => mutex('x'.repeat(1_025))).to.throw(RangeError, /`key`/);
    expect(() => mutex('k', { ttl: 0 })).to.throw(RangeError, /`ttl`.*0/);
    expect(() => mutex('k', { ttl: -5 })).to.throw(RangeError, /`ttl`.*-5/);
    expect(() => mutex('k', { ttl: NaN })).to.throw(RangeError, /`ttl`.*NaN/);
    expect(() => mutex('k', { ttl: '10' as unknown as number })).to.throw(TypeError, /`ttl`/);
    expect(() => mutex('k', { ttl: 1_000, refreshInterval: 1_000 })).to.throw(RangeError, /`refreshInterval`.*1000/);
    expect(() => mutex('k').lock({ timeout: -1 })).to.throw(RangeError, /`timeout`/);
    expect(() => mutex('k').lock({ signal: 'no' as unknown as AbortSignal })).to.throw(TypeError, /`signal`/);
    expect(() => mutex('k').runExclusive(null as unknown as () => void)).to.throw(TypeError, /`fn`/);
    expect(faulty.calls).to.equal(0);
  });

  it('Cluster#close() releases held locks and rejects pending lock() calls', async () => {
    const [a, b] = [await kit.instance(), await kit.instance()];
    await a.mutex('closing').lock();
    const pending = a.mutex('other-held').lock();
    await pending;
    await b.mutex('busy').lock();
    const stuck = a.mutex('busy').lock().catch((error: Error) => error.name);
    const waiter = b.mutex('closing').lock();
    await a.close();
    expect(await stuck).to.equal('ClusterError');
    expect((await within('the released lock', 2_000, waiter)).fence).to.equal(2);
  });
});

/** Two instances on a memoryStore whose clock `expireAll()` moves 10 s ahead: every lock looks expired. */
function instancesOnSkewedClock(namespace: string) {
  let skew = 0;
  const store = memoryStore({ now: () => Date.now() + skew });
  const logger = new RecordingLogger();
  const a = createCluster({ store, namespace, logger });
  const b = createCluster({ store, namespace, logger });
  return { a, b, logger, expireAll: () => (skew = 10_000), close: () => Promise.all([a.close(), b.close()]) };
}

describe('Mutex (memoryStore with a clock)', () => {
  it('a holder whose lock was taken learns it within one refresh', async () => {
    const { a, b, expireAll, close } = instancesOnSkewedClock('taken');
    try {
      const lease = await a.mutex('k', { ttl: 5_000, refreshInterval: 100 }).lock();
      expireAll();
      const taken = await b.mutex('k', { ttl: 60_000 }).lock();
      const takenAt = Date.now();
      await waitFor('the loss to be noticed', () => lease.signal.aborted, 1_000);
      expect(Date.now() - takenAt).to.be.below(300);
      expect(lease.signal.reason).to.be.instanceOf(LockLostError);
      expect(taken.fence).to.equal(2);
    } finally {
      await close();
    }
  });

  it('Mutex#unlock() of a lock that expired and was taken reports the lease lost (lock-lost event, warning), not released', async () => {
    const { a, b, logger, expireAll, close } = instancesOnSkewedClock('late-unlock');
    const events: string[] = [];
    a.events$.subscribe((event) => events.push(event.type));
    try {
      const m = a.mutex('k', { ttl: 5_000 });
      await m.lock();
      expireAll(); // b takes the lock before a's next refresh
      await b.mutex('k', { ttl: 60_000 }).lock();
      await m.unlock();
      expect(events).to.deep.equal(['lock-acquired', 'lock-lost']);
      expect(logger.warnings.map((entry) => entry.fields?.['reason'])).to.deep.equal([
        'the lock had expired or was taken by another owner when it was released',
      ]);
    } finally {
      await close();
    }
  });
});

forEachStore(
  'Mutex on Redis',
  (kit) => {
    it('a holder whose lock key is deleted under it learns within one refresh', async () => {
      const cluster = await kit.instance();
      const raw = await kit.client();
      const lease = await cluster.mutex('deleted', { ttl: 5_000, refreshInterval: 100 }).lock();
      const lost = firstValueFrom(cluster.events$.pipe(filter((e) => e.type === 'lock-lost'), take(1)));
      const keys = await raw.keys(`${kit.namespace}:lock:*`);
      expect(keys).to.deep.equal([`${kit.namespace}:lock:{deleted}`]);
      await raw.del(keys[0]!);
      const deletedAt = Date.now();
      await within('the lock-lost event', 1_000, lost);
      expect(Date.now() - deletedAt).to.be.below(300);
      expect(lease.signal.reason).to.be.instanceOf(LockLostError);
    });

    it('a waiter sends no polling traffic: a handful of commands per ttl', async () => {
      const [a, b] = [await kit.instance(), await kit.instance()];
      const raw = await kit.client();
      await a.mutex('quiet', { ttl: 20_000 }).lock();
      const evalCalls = async () => {
        const stats = await raw.info('commandstats');
        return [...stats.matchAll(/cmdstat_(evalsha|eval|subscribe|unsubscribe):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[2]), 0);
      };
      const waiting = b.mutex('quiet', { ttl: 20_000 }).lock({ timeout: 1_500 }).catch((error: unknown) => error);
      const channel = `${kit.namespace}:released:{quiet}`;
      const subscribers = async () => ((await raw.sendCommand(['PUBSUB', 'NUMSUB', channel])) as [string, number])[1];
      await waitFor('the waiter to listen for releases', async () => (await subscribers()) === 1);
      const before = await evalCalls();
      expect(await waiting).to.be.instanceOf(LockTimeoutError);
      const during = (await evalCalls()) - before;
      // the holder refreshes every 10 s and the waiter waits on pub/sub: ~0 commands in 1.3 s
      expect(during).to.be.at.most(3);
    });

    it('Mutex#lock() waits through a Redis restart and succeeds once the server is back', async function () {
      this.timeout(30_000);
      const server = await startRedisServer();
      const client = await connectRedis(server.url);
      try {
        const store = redisStore(client, { logger: kit.logger });
        const cluster = createCluster({ store, namespace: kit.namespace, logger: kit.logger });
        await cluster.mutex('restart').runExclusive(() => undefined);
        await server.stop();
        await waitFor('the client to notice', () => !client.isReady);
        const waiting = cluster.mutex('restart').lock();
        expect(await settlesWithin(waiting, 300)).to.equal(false);
        await server.restart();
        const lease = await within('lock() after the restart', 15_000, waiting);
        expect(lease.fence).to.equal(1); // the restarted server kept nothing
        await cluster.close();
      } finally {
        await client.close().catch(() => undefined);
        await server.stop();
      }
    });

    it('a holder killed with SIGKILL frees the lock for another instance within ttl', async function () {
      this.timeout(20_000);
      const ttl = 1_500;
      const child = startChild('spec/fixtures/mutex-holder.ts', {
        REDIS_URL: process.env.RX_CLUSTER_TEST_REDIS_URL!,
        NAMESPACE: kit.namespace,
        LOCK_KEY: 'crash',
        TTL: String(ttl),
      });
      try {
        const locked = await child.message<{ type: string; fence: number }>('the child to lock', (m) => m.type === 'locked');
        expect(locked.fence).to.equal(1);
        const cluster = await kit.instance();
        await child.kill('SIGKILL');
        const killedAt = Date.now();
        const lease = await within('the takeover', ttl + 2_000, cluster.mutex('crash', { ttl }).lock());
        const elapsed = Date.now() - killedAt;
        expect(lease.fence).to.equal(2);
        expect(elapsed).to.be.at.most(ttl + 500);
      } finally {
        await child.kill();
      }
    });
  },
  ['redis'],
);

describe('Subscription teardown', () => {
  it('Mutex#lock$() unsubscribed while waiting leaves nothing held', async () => {
    const store = memoryStore();
    const a = createCluster({ store, namespace: 'teardown' });
    const b = createCluster({ store, namespace: 'teardown' });
    try {
      const holder = a.mutex('k');
      await holder.lock();
      const subscription: Subscription = b.mutex('k').lock$().subscribe();
      subscription.unsubscribe();
      await holder.unlock();
      expect((await b.mutex('k').tryLock())?.fence).to.equal(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
