/*
 * npm run bench [-- options]: the lock and scheduler benchmarks, every adapter in one
 * process against one private redis-server, then docs/benchmarks.md from the results.
 * `npm run bench -- --help` lists the options.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lockAdapters, onceAdapters } from './adapters.js';
import { machine, ROOT, versions } from './environment.js';
import type { LockAdapter } from './lock/adapter.js';
import * as lock from './lock/scenarios.js';
import type { OnceAdapter } from './once/adapter.js';
import * as once from './once/scenarios.js';
import { openBenchRedis, type BenchRedis } from './redis-probe.js';
import { loadRxCluster, type LoadedRxCluster } from './rx-cluster-module.js';
import { writeReport } from './report.js';
import { ResultsFile, type Group, type Measurement } from './results.js';
import { round } from './stats.js';

const SCENARIOS: Record<Group, string[]> = {
  lock: ['ping', 'uncontended', 'throughput', 'handoff', 'waiting'],
  once: ['burst', 'bulk', 'startup'],
};

const ADAPTERS = ['floor', 'rx-cluster', 'redlock', 'redis-semaphore', 'bullmq'];

const HELP = `npm run bench -- [options]

  --runs N          repeats of every scenario (default 2); adapter order alternates between repeats
  --only LIST       groups or scenarios, comma-separated: lock, once, ${[...SCENARIOS.lock, ...SCENARIOS.once].join(', ')}
  --adapters LIST   adapters, comma-separated: ${ADAPTERS.join(', ')} (default all)
  --quick           short windows and smaller job counts (a trial run of about a minute with --only lock)
  --no-report       do not regenerate docs/benchmarks.md
  --report          only regenerate docs/benchmarks.md (and its chart) from bench/results/
  --help            this text

A private redis-server is started on a free loopback port (redis-server from PATH), or
REDIS_URL names an empty loopback database to use (it is flushed between scenarios).`;

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '2' },
      only: { type: 'string' },
      adapters: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-report': { type: 'boolean', default: false },
      report: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new RangeError(`--runs must be a whole number from 1 to 100, got ${values.runs}`);
  const known = new Set<string>([...Object.keys(SCENARIOS), ...SCENARIOS.lock, ...SCENARIOS.once]);
  const only = values.only ? values.only.split(',').map((each) => each.trim()) : ['lock', 'once'];
  for (const name of only) if (!known.has(name)) throw new RangeError(`--only: unknown group or scenario ${name}`);
  const selected = new Set<string>();
  for (const name of only) (SCENARIOS[name as Group] ?? [name]).forEach((each) => selected.add(each));
  const adapters = values.adapters ? new Set(values.adapters.split(',').map((each) => each.trim())) : null;
  for (const name of adapters ?? []) if (!ADAPTERS.includes(name)) throw new RangeError(`--adapters: unknown adapter ${name}`);
  return { runs, selected, adapters, quick: values.quick, report: values.report, noReport: values['no-report'], help: values.help };
}

type Options = ReturnType<typeof options>;

/** Turns each adapter's throughput window is cut into, taken in rotation with the other adapters. */
const THROUGHPUT_SLICES = 5;

/** Adapters in run order: as listed on odd runs, reversed on even runs. */
function ordered<T>(adapters: T[], run: number): T[] {
  return run % 2 === 1 ? adapters : [...adapters].reverse();
}

function line(measurement: Omit<Measurement, 'type' | 'at'>): Measurement {
  return { type: 'measurement', ...measurement, at: new Date().toISOString() };
}

function show(measurement: Measurement): void {
  const name = `${measurement.scenario}${measurement.variant ? ` ${measurement.variant}` : ''}`;
  const figures = Object.entries(measurement.metrics)
    .map(([metric, value]) => `${metric}=${round(value)}`)
    .join(' ');
  console.log(`run ${measurement.run} ${name.padEnd(14)} ${measurement.adapter.padEnd(16)} ${measurement.error ? `FAILED: ${measurement.error}` : figures}`);
}

async function measure(
  file: ResultsFile,
  base: Omit<Measurement, 'type' | 'at' | 'metrics'>,
  task: () => Promise<{ metrics: Record<string, number>; commandsPer?: Measurement['commandsPer'] }>,
): Promise<void> {
  let measurement: Measurement;
  try {
    const result = await task();
    measurement = line({ ...base, ...result });
  } catch (error) {
    measurement = line({ ...base, metrics: {}, error: error instanceof Error ? error.message : String(error) });
  }
  file.write(measurement);
  show(measurement);
}

async function runLock(file: ResultsFile, redis: BenchRedis, rx: LoadedRxCluster, opts: Options, run: number): Promise<void> {
  const plan = opts.quick ? lock.QUICK_LOCK_PLAN : lock.FULL_LOCK_PLAN;
  const adapters = lockAdapters(redis, rx).filter((adapter) => !opts.adapters || opts.adapters.has(adapter.name));
  const each = async (scenario: string, variant: string, task: (adapter: LockAdapter) => Promise<lock.LockResult>) => {
    if (!opts.selected.has(scenario)) return;
    const order = ordered(adapters, run);
    for (const [position, adapter] of order.entries()) {
      await redis.probe.flush();
      await measure(file, { group: 'lock', scenario, variant, adapter: adapter.name, run, position, settings: adapter.settings }, () => task(adapter));
    }
  };
  if (opts.selected.has('ping')) {
    for (const [position, client] of ordered(['node-redis', 'ioredis'] as const, run).entries()) {
      await measure(file, { group: 'lock', scenario: 'ping', variant: '', adapter: client, run, position }, () => lock.ping(client, redis, plan));
    }
  }
  // all adapters in one interleaved measurement each, recorded one line per adapter
  const interleaved = async (scenario: string, measureAll: (order: LockAdapter[]) => Promise<lock.LockResult[]>) => {
    if (!opts.selected.has(scenario)) return;
    const order = ordered(adapters, run);
    await redis.probe.flush();
    const results = measureAll(order);
    for (const [position, adapter] of order.entries()) {
      const base = { group: 'lock' as const, scenario, variant: '', adapter: adapter.name, run, position, settings: adapter.settings };
      await measure(file, base, () => results.then((each) => each[position]!));
    }
  };
  await interleaved('uncontended', (order) => lock.uncontended(order, redis.probe, plan));
  await interleaved('throughput', (order) => lock.inSlices(order, plan, THROUGHPUT_SLICES, (adapter, slice) => lock.throughput(adapter, redis.probe, slice)));
  for (const k of plan.handoffWorkers) await each('handoff', `K=${k}`, (adapter) => lock.handoff(adapter, redis.probe, plan, k));
  await each('waiting', `K=${plan.waiters + 1}`, (adapter) => lock.waiting(adapter, redis.probe, plan));
}

async function runOnce(file: ResultsFile, redis: BenchRedis, rx: LoadedRxCluster, opts: Options, run: number): Promise<void> {
  const plan = opts.quick ? once.QUICK_ONCE_PLAN : once.FULL_ONCE_PLAN;
  const adapters = onceAdapters(redis, rx).filter((adapter) => !opts.adapters || opts.adapters.has(adapter.name));
  const each = async (scenario: string, task: (adapter: OnceAdapter) => Promise<once.OnceResult>) => {
    if (!opts.selected.has(scenario)) return;
    for (const [position, adapter] of ordered(adapters, run).entries()) {
      await redis.probe.flush();
      await measure(file, { group: 'once', scenario, variant: '', adapter: adapter.name, run, position, settings: adapter.settings }, () => task(adapter));
    }
  };
  // the same random instants for every adapter within a run, different ones between runs
  await each('burst', (adapter) => once.burst(adapter, redis.probe, plan, 1_000 + run));
  await each('bulk', (adapter) => once.bulk(adapter, redis.probe, plan, { target: redis, rx }));
  await each('startup', (adapter) => once.startup(adapter, redis.probe, plan, { target: redis, rx }));
  await redis.probe.flush();
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.help) {
    console.log(HELP);
    return;
  }
  if (opts.report) {
    console.log(`wrote ${await writeReport()}`);
    return;
  }
  const rx = await loadRxCluster();
  const redis = await openBenchRedis();
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = new ResultsFile(join(ROOT, 'bench', 'results', `${stamp}${opts.quick ? '-quick' : ''}.jsonl`));
  try {
    file.write({
      type: 'meta',
      startedAt: startedAt.toISOString(),
      argv: process.argv.slice(2),
      options: { runs: opts.runs, scenarios: [...opts.selected], adapters: opts.adapters ? [...opts.adapters] : 'all', quick: opts.quick },
      machine: machine(),
      versions: { ...versions(), 'rx-cluster code': rx.source },
      redis: { version: await redis.probe.serverVersion(), server: redis.owned ? 'private redis-server on a free loopback port, no persistence' : 'REDIS_URL (loopback)' },
      scenarios: {
        lock: opts.quick ? lock.QUICK_LOCK_PLAN : lock.FULL_LOCK_PLAN,
        once: opts.quick ? once.QUICK_ONCE_PLAN : once.FULL_ONCE_PLAN,
      },
    });
    console.log(`results: ${file.path}`);
    for (let run = 1; run <= opts.runs; run += 1) {
      await runLock(file, redis, rx, opts, run);
      await runOnce(file, redis, rx, opts, run);
    }
    file.write({
      type: 'end',
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      loadAverageEnd: loadavg().map((value) => Math.round(value * 100) / 100),
    });
  } finally {
    await redis.stop();
  }
  if (!opts.noReport) console.log(`wrote ${await writeReport()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
