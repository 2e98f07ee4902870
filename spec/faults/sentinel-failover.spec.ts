import { expect } from 'chai';
import type { Cluster } from '../../lib/cluster.js';
import { catchingEscapes } from '../support/escapes.js';
import { printSummary } from '../support/fault-summary.js';
import { sentinelGroupPerTest } from '../support/sentinel-members.js';
import { waitFor, within } from '../support/wait-for.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault suite: failover under Sentinel', function () {
  this.timeout(60_000);
  const startGroup = sentinelGroupPerTest();

  it('the master is SIGKILLed: the sentinels promote the replica, and locks, job$ and once go on through the new master', async () => {
    const { group, members } = await startGroup();
    const [a, b] = [await members.join(), await members.join()];
    await catchingEscapes(async (escaped) => {
      const cycles: number[] = [];
      let inside = 0;
      let overlaps = 0;
      let stopped = false;
      // lock cycles on both members, until the test stops them (or closes the clusters)
      const cycle = async (cluster: Cluster) => {
        const m = cluster.mutex('cycle', { ttl: 3_000 });
        for (let i = 0; i < 100_000 && !stopped; i += 1) {
          await m.runExclusive(async () => {
            if ((inside += 1) > 1) overlaps += 1;
            await pause(2);
            inside -= 1;
          });
          cycles.push(Date.now());
          await pause(10);
        }
      };
      const loops = [a, b].map((cluster) => cycle(cluster).catch(() => undefined));
      const beats: number[] = [];
      a.job$('beat', 200).subscribe(() => beats.push(Date.now()));
      const delivered: string[] = [];
      b.once.runs$.subscribe((run) => delivered.push(run.key));
      const keys = Array.from({ length: 20 }, (_, i) => `across-${i}`);
      const start = Date.now() + 500;
      await Promise.all(keys.map((key, i) => a.once.schedule(key, start + i * 400)));
      await group.replicaCaughtUp(); // what the jobs need to survive is on the replica

      await waitFor('lock cycles before the failover', () => cycles.length >= 10, 10_000);
      const killedAt = Date.now();
      const promotedIn = await group.failover();
      const promotedAt = killedAt + promotedIn;
      await waitFor('20 lock cycles on the new master', () => cycles.filter((at) => at > promotedAt).length >= 20, 20_000);
      const resumedIn = cycles.find((at) => at > promotedAt)! - killedAt;
      await waitFor('job$ runs on the new master', () => beats.filter((at) => at > promotedAt).length >= 3, 20_000);
      await waitFor('every once job', () => keys.every((key) => delivered.includes(key)), 20_000);
      stopped = true;
      await within('the lock loops to stop', 10_000, Promise.all(loops));

      const dups = delivered.length - new Set(delivered).size;
      printSummary('Sentinel failover, locks + job$ + once', {
        operations: cycles.length + beats.length + delivered.length,
        faults: '1 master SIGKILL',
        overlaps,
        lost: keys.filter((key) => !delivered.includes(key)).length,
        dups,
        'replica promoted after (ms)': promotedIn,
        'first lock after the kill (ms)': resumedIn,
        escaped: escaped.length,
      });
      expect(escaped, 'unhandled rejections and uncaught exceptions').to.deep.equal([]);
      expect(new Set(delivered)).to.deep.equal(new Set(keys));
    });
  });
});
