import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../environment.js';
import type { RedisTarget } from '../lock/adapter.js';
import type { LoadedRxCluster } from '../rx-cluster-module.js';
import { commandDelta, perUnit, type Probe } from '../redis-probe.js';
import { summarize } from '../stats.js';
import { epochNow, inPool, now, seededRandom, sleep, within } from '../time.js';
import type { OnceAdapter, OnceProducer, OnceRunner } from './adapter.js';

/** Sizes and timings of the scheduler scenarios. */
export interface OncePlan {
  /** Runners (instances) taking due jobs, in this process. */
  runners: number;
  /** Jobs due at one instant. */
  burstJobs: number;
  /** Jobs due at random instants after the burst. */
  loneJobs: number;
  /** ms after the burst instant before the first lone job may fall due. */
  loneGapMs: number;
  /** ms over which the lone jobs' instants are spread. */
  loneSpreadMs: number;
  /** ms from the start of scheduling to the burst instant. */
  leadMs: number;
  /** ms after the last instant a job is still waited for before it counts as missed. */
  graceMs: number;
  /** Jobs due in an hour, for the scheduling rate and the Redis bytes per job. */
  bulkJobs: number;
  /** Jobs due in an hour, for the runner start-up time and memory. */
  startupJobs: number;
  /** schedule() calls in flight at once. */
  concurrency: number;
  /** ms the runner child idles after start-up before its memory is read. */
  idleMs: number;
  /** ms the runner child gets to see its first job. */
  childTimeoutMs: number;
}

export const FULL_ONCE_PLAN: OncePlan = {
  runners: 3,
  burstJobs: 1_000,
  loneJobs: 200,
  loneGapMs: 1_000,
  loneSpreadMs: 3_000,
  leadMs: 1_500,
  graceMs: 15_000,
  bulkJobs: 100_000,
  startupJobs: 1_000_000,
  concurrency: 500,
  idleMs: 2_000,
  childTimeoutMs: 120_000,
};

export const QUICK_ONCE_PLAN: OncePlan = {
  ...FULL_ONCE_PLAN,
  bulkJobs: 20_000,
  startupJobs: 100_000,
  idleMs: 1_000,
};

/** What the runner child needs: where Redis is and which rx-cluster build the parent measures. */
export interface ChildContext {
  target: RedisTarget;
  rx: LoadedRxCluster;
}

export interface OnceResult {
  metrics: Record<string, number>;
  commandsPer?: { unit: string; byCommand: Record<string, number> };
}

const HOUR = 3_600_000;
/** Jobs run (burst) or stored (fill) before measuring, so that scripts and code paths are warm. */
const WARMUP_JOBS = 50;

async function startRunners(adapter: OnceAdapter, count: number, onRun: (key: string, runAt: number) => void): Promise<OnceRunner[]> {
  const runners: OnceRunner[] = [];
  try {
    for (let i = 0; i < count; i += 1) runners.push(await adapter.runner(onRun));
  } catch (error) {
    await Promise.allSettled(runners.map((runner) => runner.close()));
    throw error;
  }
  return runners;
}

const closeAll = async (closables: Array<{ close(): Promise<void> } | null>) => {
  await Promise.allSettled(closables.map((each) => each?.close()));
};

/**
 * `burstJobs` due at one instant plus `loneJobs` due at random instants over `loneSpreadMs`
 * (starting `loneGapMs` after the burst), across `runners` runners. Lateness: from a job's
 * runAt to its handler being called. Drain: burst jobs per second from the burst instant to
 * the last burst job's handler call.
 */
export async function burst(adapter: OnceAdapter, probe: Probe, plan: OncePlan, seed: number): Promise<OnceResult> {
  const seen = new Map<string, number>();
  const lateness = { burst: [] as number[], lone: [] as number[] };
  let deliveries = 0;
  let lastBurstAt = 0;
  let producer: OnceProducer | null = null;
  let runners: OnceRunner[] = [];
  try {
    let warmedUp = 0;
    runners = await startRunners(adapter, plan.runners, (key, runAt) => {
      const at = epochNow();
      if (key.startsWith('warm-')) {
        warmedUp += 1;
        return;
      }
      deliveries += 1;
      const times = (seen.get(key) ?? 0) + 1;
      seen.set(key, times);
      if (times > 1) return;
      if (key.startsWith('burst-')) {
        lateness.burst.push(at - runAt);
        lastBurstAt = Math.max(lastBurstAt, at);
      } else {
        lateness.lone.push(at - runAt);
      }
    });
    producer = await adapter.producer();
    await sleep(300);
    // warm-up: scripts loaded, code paths compiled, connections busy once before measuring
    const warmAt = Date.now();
    await inPool(WARMUP_JOBS, WARMUP_JOBS, (i) => producer!.schedule(`warm-${i}`, warmAt, { runAt: warmAt }));
    const warmDeadline = now() + 10_000;
    while (warmedUp < WARMUP_JOBS && now() < warmDeadline) await sleep(10);
    await sleep(200);
    const random = seededRandom(seed);
    const burstAt = Math.ceil(Date.now() + plan.leadMs);
    const jobs: Array<[string, number]> = [];
    for (let i = 0; i < plan.burstJobs; i += 1) jobs.push([`burst-${i}`, burstAt]);
    for (let i = 0; i < plan.loneJobs; i += 1) {
      jobs.push([`lone-${i}`, burstAt + plan.loneGapMs + Math.floor(random() * plan.loneSpreadMs)]);
    }
    const before = await probe.commands();
    const started = now();
    const schedule = producer.schedule.bind(producer);
    await inPool(jobs.length, plan.concurrency, (i) => schedule(jobs[i]![0], jobs[i]![1], { runAt: jobs[i]![1] }));
    const scheduledMs = now() - started;
    const scheduledBeforeBurst = Date.now() < burstAt;
    const lastDue = burstAt + plan.loneGapMs + plan.loneSpreadMs;
    while (seen.size < jobs.length && Date.now() < lastDue + plan.graceMs) await sleep(20);
    await sleep(500); // late duplicates show here
    const commands = commandDelta(before, await probe.commands());
    const burstSummary = summarize(lateness.burst);
    const loneSummary = summarize(lateness.lone);
    const delivered = [...seen.keys()].length;
    return {
      metrics: {
        runners: plan.runners,
        burstJobs: plan.burstJobs,
        loneJobs: plan.loneJobs,
        burstP50Ms: burstSummary.p50,
        burstP99Ms: burstSummary.p99,
        burstMaxMs: burstSummary.max,
        burstMinMs: burstSummary.min,
        drainPerSec: lateness.burst.length / Math.max(0.001, (lastBurstAt - burstAt) / 1_000),
        loneP50Ms: loneSummary.p50,
        loneP99Ms: loneSummary.p99,
        loneMaxMs: loneSummary.max,
        loneMinMs: loneSummary.min,
        duplicates: deliveries - delivered,
        missed: jobs.length - delivered,
        scheduleMs: scheduledMs,
        scheduledBeforeBurst: scheduledBeforeBurst ? 1 : 0,
        commandsPerJob: commands.total / jobs.length,
      },
      commandsPer: { unit: 'job', byCommand: perUnit(commands, jobs.length) },
    };
  } finally {
    await closeAll([...runners, producer]);
  }
}

/**
 * `bulkJobs` jobs due in an hour, scheduled from one instance while `runners` runners are
 * subscribed: jobs scheduled per second and Redis bytes per job (INFO used_memory delta),
 * then a lone runner process with those jobs pending: its start-up time and memory.
 */
export async function bulk(adapter: OnceAdapter, probe: Probe, plan: OncePlan, child: ChildContext): Promise<OnceResult> {
  let producer: OnceProducer | null = null;
  let runners: OnceRunner[] = [];
  try {
    let early = 0;
    runners = await startRunners(adapter, plan.runners, () => (early += 1));
    producer = await adapter.producer();
    await sleep(300);
    const filled = await fill(producer, probe, plan.bulkJobs, plan.concurrency);
    await closeAll(runners);
    runners = [];
    const runner = await measureRunnerChild(adapter, producer, child, plan);
    return {
      metrics: {
        jobs: plan.bulkJobs,
        schedulePerSec: filled.perSec,
        bytesPerJob: filled.bytesPerJob,
        commandsPerJob: filled.commandsPerJob,
        clientCpuPct: filled.clientCpuPct,
        redisCpuPct: filled.redisCpuPct,
        firedEarly: early,
        ...prefixed('runner', runner),
      },
      commandsPer: { unit: 'job', byCommand: filled.byCommand },
    };
  } finally {
    await closeAll([...runners, producer]);
  }
}

/**
 * A lone runner process started with nothing else stored, then with `startupJobs` jobs due in
 * an hour: whether start-up time and memory grow with the jobs due later.
 */
export async function startup(adapter: OnceAdapter, probe: Probe, plan: OncePlan, child: ChildContext): Promise<OnceResult> {
  let producer: OnceProducer | null = null;
  try {
    producer = await adapter.producer();
    const empty = await measureRunnerChild(adapter, producer, child, plan);
    const filled = await fill(producer, probe, plan.startupJobs, plan.concurrency);
    const loaded = await measureRunnerChild(adapter, producer, child, plan);
    return {
      metrics: {
        jobs: plan.startupJobs,
        schedulePerSec: filled.perSec,
        bytesPerJob: filled.bytesPerJob,
        ...prefixed('empty', empty),
        ...prefixed('loaded', loaded),
        startupGrowthMs: loaded.startupMs! - empty.startupMs!,
        rssGrowthMb: loaded.rssMb! - empty.rssMb!,
      },
    };
  } finally {
    await closeAll([producer]);
  }
}

let fills = 0;

async function fill(producer: OnceProducer, probe: Probe, count: number, concurrency: number) {
  const dueAt = Date.now() + HOUR;
  const schedule = producer.schedule.bind(producer);
  // warm-up, stored before the baseline: due in a day, they never fire during the benchmark
  await inPool(WARMUP_JOBS, WARMUP_JOBS, (i) => schedule(`warm-${fills}-${i}`, dueAt + 24 * HOUR, { runAt: dueAt + 24 * HOUR }));
  fills += 1;
  await sleep(200);
  const memoryBefore = await probe.usedMemory();
  const before = await probe.commands();
  const cpu = await probe.cpuWindow();
  const started = now();
  // spread over 100 s an hour from now, in key order
  await inPool(count, concurrency, (i) => {
    const runAt = dueAt + (i % 100_000);
    return schedule(`job-${i}`, runAt, { runAt });
  });
  const elapsed = now() - started;
  const usage = await cpu.stop();
  const commands = commandDelta(before, await probe.commands());
  await sleep(500);
  const memoryAfter = await probe.usedMemory();
  return {
    perSec: count / (elapsed / 1_000),
    bytesPerJob: (memoryAfter - memoryBefore) / count,
    commandsPerJob: commands.total / count,
    byCommand: perUnit(commands, count),
    ...usage,
  };
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(values)) out[`${prefix}${name[0]!.toUpperCase()}${name.slice(1)}`] = value;
  return out;
}

let sentinels = 0;
const CHILD = fileURLToPath(new URL('./runner-child.mjs', import.meta.url));

/** Stores a due sentinel job (a fresh key each time), then runs one runner in a child process and reads what it measured. */
async function measureRunnerChild(
  adapter: OnceAdapter,
  producer: OnceProducer,
  { target, rx }: ChildContext,
  plan: OncePlan,
): Promise<Record<string, number>> {
  if (adapter.name === 'rx-cluster' && rx.distMtimeMs === null) {
    throw new Error('the runner child runs rx-cluster from dist/, which was missing or older than lib/: run `npm run build` (npm run bench does)');
  }
  const dueAt = Date.now() + 100;
  sentinels += 1;
  const sentinel = `sentinel-${sentinels}`;
  await producer.schedule(sentinel, dueAt, { runAt: dueAt });
  await sleep(150);
  const args = {
    adapter: adapter.name,
    sentinel,
    url: target.url,
    host: target.host,
    port: target.port,
    idleMs: plan.idleMs,
    timeoutMs: plan.childTimeoutMs,
    distMtimeMs: rx.distMtimeMs,
  };
  const child = spawn(process.execPath, ['--expose-gc', CHILD, JSON.stringify(args)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let code: number | null;
  try {
    code = await within(exited, plan.childTimeoutMs + 30_000, `${adapter.name} runner child`);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    throw error;
  }
  const line = output.split('\n').find((each) => each.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`${adapter.name} runner child exited with code ${code} and no result`);
  return JSON.parse(line.slice('RESULT '.length)) as Record<string, number>;
}
