import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { FaultPool, pickWithin } from '../support/fault-pool.js';
import { randomMs, scheduleGap } from '../support/fault-schedule.js';
import { printSummary } from '../support/fault-summary.js';
import { redisUrl } from '../support/redis.js';
import { logSections, SectionLog } from '../support/section-log.js';

const RUN_MS = 15_000;
const INTERVAL = 300;
const TTL = 1_500;
const REFRESH = 300;
/** Process scheduling and IPC on a busy 2-core machine: not the point, so generous. */
const SLACK = 1_000;

describe('fault suite: job$ members killed', function () {
  this.timeout(RUN_MS + 120_000);

  it('job$ on 3 processes for 15 s while one is SIGKILLed every 1.5–3 s: runs never overlap, and no run is later than ttl + interval after the previous one ended', async () => {
    const log = new SectionLog();
    const env = {
      REDIS_URL: redisUrl(),
      NAMESPACE: `fault-${randomUUID().slice(0, 8)}`,
      JOB_KEY: 'heartbeat',
      INTERVAL: String(INTERVAL),
      TTL: String(TTL),
      REFRESH: String(REFRESH),
      DEADLINE: String(Date.now() + RUN_MS + 110_000),
    };
    const pool = new FaultPool('spec/fixtures/fault-job.ts', env, logSections(log), (who) => log.died(who));
    let midRun = 0;
    try {
      await pool.start(3);
      const end = Date.now() + RUN_MS;
      for (let round = 0; round < 20 && end - Date.now() > 1_500; round += 1) {
        await scheduleGap(Math.min(randomMs(1_500, 3_000), end - Date.now()));
        // every other kill hits the process that is running the job, the rest any member
        const running = round % 2 === 0 ? await pickWithin(1_000, () => log.holder) : null;
        const victim = running ?? pool.alive[randomMs(0, pool.alive.length - 1)];
        if (victim === running) midRun += 1;
        if (victim) await pool.kill(victim);
      }
      await scheduleGap(Math.max(0, end - Date.now()));
    } finally {
      await pool.stop();
    }

    const gaps = log.gaps();
    const longest = gaps.reduce((most, gap) => (gap.ms > most.ms ? gap : most), { after: log.sections[0]!, ms: 0 });
    printSummary('job$, 3 processes, 15 s', {
      operations: log.closed.filter((section) => section.end === 'exit').length,
      faults: `${pool.kills.length} SIGKILL (${midRun} mid-run)`,
      overlaps: log.overlaps.length,
      lost: log.sections.filter((section) => section.end === 'lost').length,
      dups: 0,
      'longest gap (ms)': longest.ms,
      'bound (ttl + interval, ms)': TTL + INTERVAL,
      crashes: pool.crashes.length,
    });

    expect(log.overlaps, 'runs that overlapped').to.deep.equal([]);
    expect(log.fenceRegressions, 'fences that did not increase').to.deep.equal([]);
    expect(pool.crashes, 'processes that died unkilled').to.deep.equal([]);
    expect(pool.kills.length, 'members killed').to.be.at.least(4);
    expect(midRun, 'kills of the running member').to.be.at.least(2);
    const tooLate = gaps.filter((gap) => gap.ms > TTL + INTERVAL + SLACK);
    expect(tooLate.map((gap) => `${gap.ms} ms after a run that ended by ${gap.after.end}`)).to.deep.equal([]);
    expect(log.sections.length, 'runs').to.be.at.least(RUN_MS / (INTERVAL + 200 + TTL));
  });
});
