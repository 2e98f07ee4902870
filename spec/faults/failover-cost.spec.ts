import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';
import type { Cluster } from '../../lib/cluster.js';
import { LockLostError } from '../../lib/errors.js';
import type { Lease } from '../../lib/lease.js';
import { askNode } from '../support/ask-node.js';
import { printSummary } from '../support/fault-summary.js';
import type { SentinelGroup } from '../support/redis-sentinel.js';
import { sentinelGroupPerTest } from '../support/sentinel-members.js';
import { waitFor, within } from '../support/wait-for.js';

/** A holder that refreshes only after the failover and the second acquisition, so that the overlap can be seen. */
const HOLD = { ttl: 60_000, refreshInterval: 12_000 };
const WAIT = { waitForReplicas: { replicas: 1, timeout: 500 } };

/** Resolves with when `lease` is lost (Date.now()), with the reason. */
const lossOf = (lease: Lease) =>
  new Promise<{ at: number; reason: unknown }>((resolve) =>
    lease.signal.addEventListener('abort', () => resolve({ at: Date.now(), reason: lease.signal.reason }), { once: true }),
  );

/** Median and 95th percentile, in ms, of `rounds` tryLock() calls on a free lock (each unlocked again). */
async function acquireLatency(cluster: Cluster, key: string, rounds = 200) {
  const mutex = cluster.mutex(key);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    const lease = await mutex.tryLock();
    samples.push(performance.now() - started);
    if (!lease) throw new Error(`${key} was held`);
    await mutex.unlock();
  }
  samples.sort((x, y) => x - y);
  const at = (q: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 100) / 100;
  return { median: at(0.5), p95: at(0.95) };
}

/** Median ms of SET + `WAIT 1` on a plain connection to the master: the replication round trip itself. */
async function setThenWaitLatency(port: number, rounds = 200): Promise<number> {
  const client = createClient({ socket: { host: '127.0.0.1', port } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      const started = performance.now();
      await client.set('latency-probe', String(i));
      await client.sendCommand(['WAIT', '1', '500']);
      samples.push(performance.now() - started);
    }
    samples.sort((x, y) => x - y);
    return Math.round(samples[Math.floor(rounds / 2)]! * 100) / 100;
  } finally {
    client.destroy();
  }
}

/** Kills the master while nothing written since `cutReplica()` has reached the replica, and waits for its promotion. */
async function failoverLosingRecentWrites(group: SentinelGroup): Promise<void> {
  await group.killMaster();
  group.thawReplica();
  await group.awaitPromotion();
}

describe('fault suite: what a failover costs, without and with WAIT', function () {
  this.timeout(60_000);
  const startGroup = sentinelGroupPerTest();

  it('without waitForReplicas, a lock taken just before the master dies is lost in the failover: another instance takes it, with the same fence, while the first still holds its lease', async () => {
    const { group, members } = await startGroup();
    const [a, b] = [await members.join(), await members.join()];
    await group.cutReplica();
    const leaseA = await a.mutex('twice', HOLD).lock();
    const lostA = lossOf(leaseA);
    const killedAt = Date.now();
    await failoverLosingRecentWrites(group);
    const promotedIn = Date.now() - killedAt;

    const leaseB = await within('b to take the lock on the promoted replica', 20_000, b.mutex('twice', HOLD).lock());
    const bAt = Date.now();
    const aHeldThen = !leaseA.signal.aborted;
    const told = await within('a to be told, at its next refresh', HOLD.refreshInterval + 10_000, lostA);

    printSummary('failover without WAIT', {
      operations: 2,
      faults: 'replication held back, master SIGKILL',
      overlaps: aHeldThen ? 1 : 0,
      lost: 1,
      dups: 0,
      'replica promoted after (ms)': promotedIn,
      'both held the lock for (ms)': told.at - bAt,
      fences: `${leaseA.fence} then ${leaseB.fence}`,
    });
    expect(aHeldThen, 'a still held its lease when b acquired').to.equal(true);
    expect(leaseB.fence, 'the promoted replica never saw the fence a got').to.equal(leaseA.fence);
    expect(told.reason).to.be.instanceOf(LockLostError);
    expect(told.at).to.be.greaterThan(bAt);
  });

  it('with waitForReplicas, an acquire the replica did not confirm is refused and released, a confirmed lock survives the failover, and the latency WAIT adds is measured', async () => {
    const { group, members } = await startGroup();
    const [plain, a, b] = [await members.join(), await members.join(WAIT), await members.join(WAIT)];
    const without = await acquireLatency(plain, 'latency-plain', 100);
    const withWait = await acquireLatency(a, 'latency-wait', 50);
    const rawWait = await setThenWaitLatency(group.masterPort, 100);

    // a replica that is connected but acknowledges nothing: only a WAIT that counts the
    // acquire's own write (sent on the connection that wrote it) can tell
    group.freezeReplica();
    const refusedByFrozen = await a.mutex('unconfirmed').tryLock().then(
      () => null,
      (error: unknown) => error,
    );
    group.thawReplica();
    await group.replicaCaughtUp();

    await group.cutReplica();
    const refused = await a.mutex('unconfirmed').tryLock().then(
      () => null,
      (error: unknown) => error,
    );
    const leftOnMaster = Number(await askNode(group.masterPort, ['EXISTS', `${members.namespace}:lock:{unconfirmed}`]));
    group.thawReplica();
    await group.replicaCaughtUp();

    const mutexA = a.mutex('kept', HOLD);
    const leaseA = await mutexA.lock();
    await group.cutReplica();
    const killedAt = Date.now();
    await failoverLosingRecentWrites(group);
    const promotedIn = Date.now() - killedAt;
    let seenByB: Lease | null | undefined;
    await waitFor('b to reach the promoted replica', async () => {
      seenByB = await b.mutex('kept', HOLD).tryLock().catch(() => undefined);
      return seenByB !== undefined;
    }, 20_000, 200);
    const aStillHeld = !leaseA.signal.aborted;
    const noReplicaLeft = await b.mutex('other').tryLock().then(() => null, (error: unknown) => error);
    const c = await members.join();
    const next = c.mutex('kept', HOLD).lock();
    await mutexA.unlock();
    const leaseC = await within('c to take the lock a released on the new master', 10_000, next);

    printSummary('failover with WAIT (waitForReplicas: 1)', {
      operations: 250 + 4,
      faults: 'replication held back twice, master SIGKILL',
      overlaps: seenByB ? 1 : 0,
      lost: 0,
      dups: 0,
      'replica promoted after (ms)': promotedIn,
      'tryLock median/p95 without WAIT (ms)': `${without.median}/${without.p95}`,
      'tryLock median/p95 with WAIT (ms)': `${withWait.median}/${withWait.p95}`,
      'raw SET + WAIT 1 median (ms)': rawWait,
    });
    expect(refusedByFrozen, 'an acquire a connected but frozen replica did not acknowledge').to.be.instanceOf(Error);
    expect(refused, 'an acquire no replica confirmed').to.be.instanceOf(Error);
    expect(String((refused as Error).message)).to.match(/replica/);
    expect(leftOnMaster, 'the unconfirmed lock was released').to.equal(0);
    expect(seenByB, 'b finds the lock a took before the failover').to.equal(null);
    expect(aStillHeld, 'a still holds its lease').to.equal(true);
    expect(noReplicaLeft, 'with no replica left, WAIT refuses every acquire').to.be.instanceOf(Error);
    expect(leaseC.fence, 'fences go on from the confirmed one').to.equal(leaseA.fence + 1);
  });
});
