import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { FaultPool, pickWithin } from '../support/fault-pool.js';
import { randomMs, scheduleGap } from '../support/fault-schedule.js';
import { printSummary } from '../support/fault-summary.js';
import { redisUrl } from '../support/redis.js';
import { logSections, SectionLog } from '../support/section-log.js';
import { waitFor } from '../support/wait-for.js';

const RUN_MS = 30_000;
const TTL = 1_500;
const REFRESH = 300;

describe('fault suite: Mutex holders killed', function () {
  this.timeout(RUN_MS + 120_000);

  it('5 processes contend for one Mutex for 30 s while the holder is SIGKILLed every 2–4 s: no two critical sections overlap, fences strictly increase, every kill is taken over within ttl', async () => {
    const log = new SectionLog();
    const env = {
      REDIS_URL: redisUrl(),
      NAMESPACE: `fault-${randomUUID().slice(0, 8)}`,
      LOCK_KEY: 'contended',
      TTL: String(TTL),
      REFRESH: String(REFRESH),
      DEADLINE: String(Date.now() + RUN_MS + 90_000),
    };
    const pool = new FaultPool('spec/fixtures/fault-mutex.ts', env, logSections(log), (who) => log.died(who));
    try {
      await pool.start(5);
      const end = Date.now() + RUN_MS;
      for (let round = 0; round < 20; round += 1) {
        const gap = randomMs(2_000, 4_000);
        // the last kill leaves room for its takeover (ttl) before the run ends
        if (Date.now() + gap + 1_000 + TTL + 1_000 > end) break;
        await scheduleGap(gap);
        const holder = await pickWithin(1_000, () => log.holder);
        if (holder) await pool.kill(holder);
      }
      await scheduleGap(Math.max(0, end - Date.now()));
    } finally {
      await pool.stop();
    }

    const takeovers = pool.kills.map(({ at }) => (log.sections.find((s) => s.enteredAt > at)?.enteredAt ?? Infinity) - at);
    const completed = log.closed.filter((section) => section.end === 'exit').length;
    const lost = log.sections.filter((section) => section.end === 'lost').length;
    printSummary('Mutex, 5 processes, 30 s', {
      operations: completed,
      faults: `${pool.kills.length} SIGKILL of the holder`,
      overlaps: log.overlaps.length,
      lost,
      dups: 0,
      'fence regressions': log.fenceRegressions.length,
      fences: `${log.sections[0]?.fence}..${log.sections.at(-1)?.fence}`,
      'slowest takeover after a kill (ms)': Math.max(...takeovers),
      crashes: pool.crashes.length,
    });

    expect(log.overlaps, 'critical sections that overlapped').to.deep.equal([]);
    expect(log.fenceRegressions, 'fences that did not increase').to.deep.equal([]);
    expect(pool.crashes, 'processes that died unkilled').to.deep.equal([]);
    expect(pool.kills.length, 'holders killed').to.be.at.least(5);
    expect(completed, 'critical sections completed').to.be.at.least(50);
    takeovers.forEach((ms, i) => expect(ms, `takeover after kill #${i + 1}`).to.be.at.most(TTL + 2_000));
  });

  it('the overlap check is live: two processes locking in different namespaces, so not excluding each other, are caught overlapping', async () => {
    const log = new SectionLog();
    const logged = logSections(log);
    const pools = ['a', 'b'].map((side) => {
      const env = {
        REDIS_URL: redisUrl(),
        NAMESPACE: `fault-control-${side}-${randomUUID().slice(0, 8)}`,
        LOCK_KEY: 'contended',
        TTL: String(TTL),
        REFRESH: String(REFRESH),
        DEADLINE: String(Date.now() + 90_000),
      };
      // one process per pool, each pool naming its own `p1`: the log tells them apart by side
      const onMessage: typeof logged = (who, message, child) => logged(`${side}:${who}`, message, child);
      return new FaultPool('spec/fixtures/fault-mutex.ts', env, onMessage, (who) => log.died(`${side}:${who}`));
    });
    try {
      await Promise.all(pools.map((pool) => pool.start(1)));
      await waitFor('the log to catch an overlap', () => log.overlaps.length > 0, 15_000);
    } finally {
      await Promise.all(pools.map((pool) => pool.stop()));
    }
    expect(log.overlaps.length).to.be.greaterThan(0);
  });
});
