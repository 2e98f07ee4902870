import { expect } from 'chai';
import { redisUrl } from '../support/redis.js';
import { ensureBuilt, runCli } from '../support/run-cli.js';
import { StoreKit } from '../support/store-kit.js';
import { waitFor } from '../support/wait-for.js';

describe('rx-cluster status and once commands', function () {
  this.timeout(30_000);
  const kit = new StoreKit('redis');
  before(ensureBuilt);
  beforeEach(() => kit.reset());
  afterEach(() => kit.cleanup());

  /** A namespace with one held lock, one recurring job that ran, and two once jobs. */
  async function seed() {
    const cluster = await kit.instance();
    const store = await kit.store();
    await cluster.mutex('reports', { ttl: 60_000 }).lock();
    await store.setLastFinished(kit.namespace, 'digest', Date.parse('2026-01-02T03:04:05.000Z'), Date.parse('2030-01-02T03:04:05.000Z'));
    await cluster.once.schedule('remind-2', Date.parse('2030-01-01T00:00:00.000Z'), { user: 2 });
    await cluster.once.schedule('remind-1', Date.parse('2029-01-01T00:00:00.000Z'), { user: 1 });
  }

  it('status --json reports held locks, recurring jobs and once jobs', async () => {
    await seed();
    const { code, stdout } = await runCli(['status', '--redis', redisUrl(), '--namespace', kit.namespace, '--json']);
    expect(code).to.equal(0);
    const status = JSON.parse(stdout);
    expect(status.namespace).to.equal(kit.namespace);
    expect(status.locks).to.have.length(1);
    expect(status.locks[0]).to.include({ key: 'reports', fence: 1 });
    expect(status.locks[0].ttlLeft).to.be.within(1, 60_000);
    expect(status.jobs).to.deep.equal([
      { key: 'digest', lastFinished: '2026-01-02T03:04:05.000Z', nextDue: '2030-01-02T03:04:05.000Z', running: false, fence: null },
    ]);
    expect(status.once).to.deep.equal({ scheduled: 2, claimed: 0, nextDue: '2029-01-01T00:00:00.000Z' });
  });

  it('status prints the same for a person', async () => {
    await seed();
    const { code, stdout } = await runCli(['status', '--redis', redisUrl(), '--namespace', kit.namespace]);
    expect(code).to.equal(0);
    expect(stdout).to.match(/Locks: 1 held\n +KEY +FENCE +TIME LEFT\n +reports +1 +\d+\.\ds/);
    expect(stdout).to.match(/Recurring jobs: 1\n.*\n +digest +2026-01-02T03:04:05.000Z +[\d.]+s +2030-01-02T03:04:05.000Z \(in [\d.]+s\) +idle/);
    expect(stdout).to.match(/Once jobs: 2 scheduled, 0 claimed, next due 2029-01-01T00:00:00.000Z \(in [\d.]+s\)/);
  });

  it('status shows when a recurring job that ran is next due', async () => {
    const cluster = await kit.instance();
    const ran = new Promise<void>((resolve) => cluster.job$('hourly', { hours: 1 }).subscribe(() => resolve()));
    await ran;
    await waitFor('the run to be recorded', async () => (await (await kit.store()).recurringJobs(kit.namespace)).length === 1);
    const { stdout } = await runCli(['status', '--redis', redisUrl(), '--namespace', kit.namespace, '--json']);
    const [job] = JSON.parse(stdout).jobs;
    expect(Date.parse(job.nextDue) - Date.parse(job.lastFinished)).to.be.closeTo(3_600_000, 1_000);
  });

  it('once list prints jobs by runAt, as a table or JSON; once cancel removes one', async () => {
    await seed();
    const args = ['--redis', redisUrl(), '--namespace', kit.namespace];
    const table = await runCli(['once', 'list', ...args]);
    expect(table.code).to.equal(0);
    expect(table.stdout).to.match(/2 once jobs\n +KEY +RUN AT +PROPS\n +remind-1 +2029-01-01T00:00:00.000Z +\{"user":1\}\n +remind-2 /);
    const json = await runCli(['once', 'list', ...args, '--json']);
    expect(JSON.parse(json.stdout)).to.deep.equal([
      { key: 'remind-1', runAt: '2029-01-01T00:00:00.000Z', props: { user: 1 } },
      { key: 'remind-2', runAt: '2030-01-01T00:00:00.000Z', props: { user: 2 } },
    ]);
    const cancelled = await runCli(['once', 'cancel', 'remind-1', ...args]);
    expect([cancelled.code, cancelled.stdout]).to.deep.equal([0, 'Cancelled remind-1.\n']);
    const again = await runCli(['once', 'cancel', 'remind-1', ...args]);
    expect([again.code, again.stdout]).to.deep.equal([1, 'No once job remind-1 was scheduled.\n']);
    const left = await runCli(['once', 'list', ...args, '--json']);
    expect(JSON.parse(left.stdout).map((job: { key: string }) => job.key)).to.deep.equal(['remind-2']);
  });

  const badInput: Array<[string, string[], RegExp]> = [
    ['an unknown command', ['bogus'], /^rx-cluster: unknown command 'bogus'\n$/],
    ['an unknown option', ['status', '--redis', 'redis://127.0.0.1:1', '--verbose'], /^rx-cluster: unknown option '--verbose'\n$/],
    ['a missing --redis', ['status'], /^rx-cluster: required option '--redis <url>' not specified\n$/],
    ['an unreachable Redis', ['status', '--redis', 'redis://127.0.0.1:1'], /^rx-cluster: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/],
    ['a bad URL', ['once', 'list', '--redis', 'not a url'], /^rx-cluster: Invalid --redis URL "not a url": expected redis:\/\/host:port\n$/],
    ['a URL of another scheme', ['status', '--redis', 'http://127.0.0.1:1'], /^rx-cluster: Invalid --redis URL "http:\/\/127\.0\.0\.1:1": the scheme must be redis:\/\/ or rediss:\/\/\n$/],
    ['a bad --instances', ['demo', '--instances', 'two'], /^rx-cluster: option '--instances <n>' argument 'two' is invalid\. --instances must be a whole number from 2 to 10\.\n$/],
    ['a URL whose path is not a database number', ['status', '--redis', 'redis://localhost/abc'], /^rx-cluster: Invalid --redis URL "redis:\/\/localhost\/abc": Invalid pathname; expected redis:\/\/host:port or redis:\/\/host:port\/db\n$/],
    // an unreachable Redis: the namespace and key are checked before connecting
    ['an empty key', ['once', 'cancel', '', '--redis', 'redis://127.0.0.1:1'], /^rx-cluster: Expected `key` to be a non-empty string, got `""` \(string\)\n$/],
    ['a key over 1,024 characters', ['once', 'cancel', 'k'.repeat(1_025), '--redis', 'redis://127.0.0.1:1'], /^rx-cluster: Expected `key` to be at most 1024 characters, got 1025 characters\n$/],
    ['an empty --namespace on once cancel', ['once', 'cancel', 'k', '--redis', 'redis://127.0.0.1:1', '--namespace', ''], /^rx-cluster: Expected `--namespace` to be a non-empty string, got `""` \(string\)\n$/],
    ['an empty --namespace on once list', ['once', 'list', '--redis', 'redis://127.0.0.1:1', '--namespace', ''], /^rx-cluster: Expected `--namespace` to be a non-empty string, got `""` \(string\)\n$/],
    ['an empty --namespace on status', ['status', '--redis', 'redis://127.0.0.1:1', '--namespace', ''], /^rx-cluster: Expected `--namespace` to be a non-empty string, got `""` \(string\)\n$/],
    ['a --namespace over 1,024 characters', ['status', '--redis', 'redis://127.0.0.1:1', '--namespace', 'n'.repeat(1_025)], /^rx-cluster: Expected `--namespace` to be at most 1024 characters, got 1025 characters\n$/],
  ];
  for (const [what, args, message] of badInput) {
    it(`rejects ${what} with one line and exit code 2`, async () => {
      const { code, stdout, stderr } = await runCli(args);
      expect(stderr).to.match(message);
      expect(stderr).not.to.match(/\n\s+at /); // no stack trace
      expect(stdout).to.equal('');
      expect(code).to.equal(2);
    });
  }

  it('rejects no command, and once without a subcommand, with the usage on stderr, a last line naming the problem and exit code 2', async () => {
    for (const args of [[], ['once']]) {
      const { code, stdout, stderr } = await runCli(args);
      const usage = ['Usage: rx-cluster', ...args].join(' ');
      expect(stderr.startsWith(`${usage} [options] [command]\n`), stderr).to.equal(true);
      expect(stderr).to.match(/\nrx-cluster: missing command\n$/);
      expect(stderr).not.to.match(/\n\s+at /);
      expect([code, stdout], args.join(' ')).to.deep.equal([2, '']);
    }
  });

  it('prints help on stdout and exits 0 when it is asked for', async () => {
    for (const args of [['--help'], ['help'], ['once', '--help'], ['once', 'help']]) {
      const { code, stdout, stderr } = await runCli(args);
      expect([code, stderr], args.join(' ')).to.deep.equal([0, '']);
      expect(stdout, args.join(' ')).to.match(/^Usage: rx-cluster /);
    }
  });
});
