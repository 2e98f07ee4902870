import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createCluster, type Cluster } from '../../lib/cluster.js';
import { LockLostError } from '../../lib/errors.js';
import type { ClusterEvent } from '../../lib/events.js';
import type { Lease } from '../../lib/lease.js';
import { redisStore } from '../../lib/stores/redis-store.js';
import { catchingEscapes } from '../support/escapes.js';
import { scheduleGap } from '../support/fault-schedule.js';
import { printSummary } from '../support/fault-summary.js';
import { connectRedis, type TestRedisClient } from '../support/redis.js';
import { startRedisServer } from '../support/redis-server.js';
import { RecordingLogger } from '../support/store-kit.js';
import { waitFor, within } from '../support/wait-for.js';

const TTL = 2_000;
const STOPPED_MS = 3_000;

describe('fault suite: Redis paused, then stopped', function () {
  this.timeout(60_000);

  it('Redis paused (CLIENT PAUSE) past a ttl, then stopped for 3 s: the holder is told with LockLostError before anyone else holds the lock, store errors back off on events$, nothing escapes, and locks, job$ and once resume', async () => {
    const server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
    const clients: TestRedisClient[] = [];
    const clusters: Cluster[] = [];
    const namespace = `fault-${randomUUID().slice(0, 8)}`;
    const logger = new RecordingLogger();
    const join = async () => {
      const client = await connectRedis(server.url);
      clients.push(client);
      const cluster = createCluster({ store: redisStore(client, { logger }), namespace, logger });
      clusters.push(cluster);
      return cluster;
    };
    try {
      await catchingEscapes(async (escaped) => {
        const [a, b] = [await join(), await join()];
        const events: ClusterEvent[] = [];
        a.events$.subscribe((event) => events.push(event));
        b.events$.subscribe((event) => events.push(event));

        let lease: Lease | null = null;
        let lost: { error: unknown; at: number } | null = null;
        a.mutex('held', { ttl: TTL, refreshInterval: TTL / 4 }).lock$().subscribe({
          next: (held) => (lease = held),
          error: (error: unknown) => (lost = { error, at: Date.now() }),
        });
        await waitFor('a to hold the lock', () => lease !== null);
        const beats: number[] = [];
        a.job$('beat', 200).subscribe(() => beats.push(Date.now()));
        const onceRuns: string[] = [];
        a.once.runs$.subscribe((run) => onceRuns.push(run.key));
        await a.once.schedule('due-during-the-outage', Date.now() + 1_500);
        let bHeldAt = 0;
        const bLease = b.mutex('held', { ttl: TTL }).lock().then((held) => ((bHeldAt = Date.now()), held));
        await waitFor('job$ to run', () => beats.length >= 2);

        const raw = await connectRedis(server.url);
        clients.push(raw);
        await raw.sendCommand(['CLIENT', 'PAUSE', '20000', 'ALL']);
        const pausedAt = Date.now();
        await waitFor('the holder to be told its lease ran out', () => lost !== null, TTL + 3_000);
        const toldAfter = lost!.at - pausedAt;
        await server.halt();
        const beatsBeforeStop = beats.length;
        await scheduleGap(STOPPED_MS);
        await server.restart();
        const backAt = Date.now();

        const held = await within('b to take the lock after the outage', 20_000, bLease);
        await waitFor('job$ to run again', () => beats.length > beatsBeforeStop + 2, 15_000);
        await waitFor('the once job due during the outage', () => onceRuns.length === 1, 15_000);
        const fresh = await within('a new lock after the outage', 10_000, a.mutex('fresh').lock());

        const storeErrors = events.filter((event) => event.type === 'store-error');
        printSummary('Redis paused, then stopped 3 s', {
          operations: beats.length + onceRuns.length + 2,
          faults: `CLIENT PAUSE ${TTL / 1_000} s+, stop ${STOPPED_MS / 1_000} s`,
          overlaps: bHeldAt < lost!.at ? 1 : 0,
          lost: onceRuns.length === 1 ? 0 : 1,
          dups: onceRuns.length > 1 ? onceRuns.length - 1 : 0,
          'holder told after (ms)': toldAfter,
          'store-error events': storeErrors.length,
          'back-off (retryIn ms)': [...new Set(storeErrors.map((e) => e.retryIn).filter((ms) => ms !== undefined))].slice(0, 6).join('/'),
          'resumed after restart (ms)': Math.max(bHeldAt, 0) - backAt,
          escaped: escaped.length,
        });

        expect(lost!.error).to.be.instanceOf(LockLostError);
        expect((lease as Lease | null)?.signal.reason).to.be.instanceOf(LockLostError);
        expect(events.some((event) => event.type === 'lock-lost' && event.key === 'held')).to.equal(true);
        expect(toldAfter, 'ms from the pause to the holder being told').to.be.at.most(TTL + 1_000);
        expect(bHeldAt, 'b took the lock only after a was told').to.be.greaterThan(lost!.at);
        expect(held.fence).to.be.greaterThan(lease!.fence);
        expect(fresh.fence).to.equal(1);
        expect(storeErrors.length, 'store-error events').to.be.at.least(1);
        storeErrors.forEach((event) => {
          expect(event.operation, 'store-error names the operation').to.be.a('string');
          if (event.retryIn !== undefined) expect(event.retryIn, `${event.operation} back-off`).to.be.at.least(1_000);
        });
        expect(storeErrors.some((event) => (event.retryIn ?? 0) >= 1_000), 'a back-off of 1 s or more').to.equal(true);
        expect(onceRuns).to.deep.equal(['due-during-the-outage']);
        expect(escaped, 'unhandled rejections and uncaught exceptions').to.deep.equal([]);
      });
    } finally {
      await Promise.all(clusters.map((cluster) => cluster.close()));
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      await server.stop();
    }
  });
});
