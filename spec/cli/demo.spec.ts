import { expect } from 'chai';
import { redisUrl } from '../support/redis.js';
import { ensureBuilt, runCli } from '../support/run-cli.js';

describe('rx-cluster demo', function () {
  this.timeout(60_000);
  before(ensureBuilt);

  const expectPassingSummary = (stdout: string) => {
    const summary = stdout.slice(stdout.indexOf('Summary'));
    expect(summary, stdout).to.match(/ok +job\$ heartbeat: \d+ runs, never two at once/);
    expect(summary).to.match(/ok +withClusterLock leader: \d+ holding periods, never two holders at once/);
    expect(summary).to.match(/ok +takeover: i\d took over [\d.]+ s after i\d crashed/);
    expect(summary).to.match(/ok +once: 30 jobs, duplicates 0, missed 0/);
    expect(summary).not.to.match(/FAIL/);
  };

  it('runs three instances on the embedded store and its summary checks pass', async () => {
    const { code, stdout } = await runCli(['demo', '--duration', '7']);
    expect(stdout).to.match(/job\$ heartbeat runs here/);
    expect(stdout).to.match(/crashed: cut off from the store/);
    expectPassingSummary(stdout);
    expect(code).to.equal(0);
  });

  it('runs instances as child processes against Redis with --redis, and kills the holder', async () => {
    const { code, stdout } = await runCli(['demo', '--duration', '7', '--redis', redisUrl()]);
    expect(stdout).to.match(/3 processes on redis:\/\//);
    expect(stdout).to.match(/killed with SIGKILL/);
    expectPassingSummary(stdout);
    expect(code).to.equal(0);
  });
});
