import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { redisStore } from '../../lib/stores/redis-store.js';
import { DeliveryLedger } from '../support/delivery-ledger.js';
import { FaultPool, type PoolMessage } from '../support/fault-pool.js';
import { randomMs, scheduleGap } from '../support/fault-schedule.js';
import { printSummary } from '../support/fault-summary.js';
import { connectRedis } from '../support/redis.js';
import { startRedisServer } from '../support/redis-server.js';
import { RecordingLogger } from '../support/store-kit.js';
import { waitFor } from '../support/wait-for.js';

const JOBS = 5_000;
const SPREAD_MS = 20_000;
const CLAIM_TTL = 5_000;

describe('fault suite: once runners killed, Redis restarted', function () {
  this.timeout(SPREAD_MS + CLAIM_TTL + 120_000);

  it('5 runner processes, 5,000 once jobs over 20 s, SIGKILLs and a Redis restart (AOF, fsync always): every job delivered, none lost, duplicates only after a runner died and with attempt > 1', async () => {
    const server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
    const client = await connectRedis(server.url);
    const namespace = `fault-${randomUUID().slice(0, 8)}`;
    const store = redisStore(client, { logger: new RecordingLogger() });
    const keys = Array.from({ length: JOBS }, (_, i) => `job-${i}`);
    const ledger = new DeliveryLedger(keys);
    let storeErrors = 0;
    const onMessage = (who: string, message: PoolMessage) => {
      if (message.type === 'start') ledger.delivered(who, String(message.key), Number(message.attempt));
      else if (message.type === 'done') ledger.done(who);
      else if (message.type === 'store-error') storeErrors += 1;
    };
    const env = {
      REDIS_URL: server.url,
      NAMESPACE: namespace,
      CLAIM_TTL: String(CLAIM_TTL),
      WORK_MS: '40',
      DEADLINE: String(Date.now() + SPREAD_MS + CLAIM_TTL + 110_000),
    };
    const pool = new FaultPool('spec/fixtures/fault-once-runner.ts', env, onMessage, (who) => ledger.died(who));
    let restarts = 0;
    try {
      await pool.start(5);
      const start = Date.now() + 1_500;
      for (let i = 0; i < JOBS; i += 250) {
        const batch = keys.slice(i, i + 250);
        await Promise.all(batch.map((key, j) => store.onceAdd(namespace, { key, runAt: start + ((i + j) * SPREAD_MS) / JOBS, props: `{"n":${i + j}}` })));
      }
      const end = start + SPREAD_MS;
      for (let round = 0; round < 12 && end - Date.now() > 1_000; round += 1) {
        await scheduleGap(Math.min(randomMs(2_000, 3_500), end - Date.now()));
        if (restarts === 0 && Date.now() > start + SPREAD_MS / 2) {
          await server.restart();
          restarts += 1;
        } else {
          const victim = ledger.busiest(pool.alive) ?? pool.alive[randomMs(0, pool.alive.length - 1)];
          if (victim) await pool.kill(victim);
        }
      }
      await waitFor(
        'every job to be delivered and removed',
        async () => ledger.lost().length === 0 && (await store.onceCount(namespace)).scheduled === 0,
        CLAIM_TTL + 30_000,
        250,
      ).catch(() => undefined); // the assertions below say what is missing
    } finally {
      await pool.stop();
    }
    const left = await store.onceCount(namespace);
    await store.close();
    await client.close().catch(() => undefined);
    await server.stop();

    const lost = ledger.lost();
    const unexplained = ledger.unexplainedDuplicates();
    printSummary('once, 5 runners, 5,000 jobs over 20 s', {
      operations: ledger.total,
      faults: `${pool.kills.length} SIGKILL, ${restarts} Redis restart`,
      overlaps: 0,
      lost: lost.length,
      dups: ledger.duplicates().length,
      'dups not explained by a kill': unexplained.length,
      'left in the store': left.scheduled,
      'store-error events': storeErrors,
      'runner log lines (error/warn)': `${pool.logged.error}/${pool.logged.warn}`,
      crashes: pool.crashes.length,
    });

    expect(restarts, 'Redis restarts').to.equal(1);
    expect(pool.kills.length, 'runners killed').to.be.at.least(4);
    expect(lost.slice(0, 10), `${lost.length} jobs never delivered`).to.deep.equal([]);
    expect(unexplained.slice(0, 5), `${unexplained.length} unexplained duplicates`).to.deep.equal([]);
    expect(left, 'jobs left in the store').to.deep.equal({ scheduled: 0, claimed: 0 });
    expect(pool.crashes, 'runners that died unkilled').to.deep.equal([]);
  });
});
