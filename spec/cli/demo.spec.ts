import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectRedis, redisUrl } from '../support/redis.js';
import { startRedisServer } from '../support/redis-server.js';
import { ensureBuilt, runCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';

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

  it('stops cleanly on Ctrl-C with --redis: exit code 130, locks released, child processes gone', async () => {
    const server = await startRedisServer();
    const raw = await connectRedis(server.url);
    try {
      const bin = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
      // its own process group, as a terminal would make it, so that Ctrl-C reaches every process
      const demo = spawn(process.execPath, [bin, 'demo', '--duration', '60', '--redis', server.url], { detached: true, env: { ...process.env, NO_COLOR: '1' } });
      let output = '';
      demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
      await waitFor('the leader stream to start', () => /holds the lock, its stream starts/.test(output), 30_000);
      process.kill(-demo.pid!, 'SIGINT');
      expect(await exited).to.equal(130);
      expect(output).to.match(/interrupted: stopping every instance/);
      const namespace = /\(namespace (demo-[0-9a-f]+)\)/.exec(output)![1]!;
      expect(await raw.keys(`${namespace}:*lock:*`), 'locks left behind').to.deep.equal([]);
      // only this test's own connection is left: every instance closed its clients and exited
      await waitFor('the instances to disconnect', async () => (await raw.clientList()).length === 1, 5_000);
    } finally {
      await raw.close();
      await server.stop();
    }
  });
});
