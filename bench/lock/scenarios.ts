import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { commandDelta, perUnit, type Probe } from '../redis-probe.js';
import { summarize } from '../stats.js';
import { now, sleep, within } from '../time.js';
import type { LockAdapter, LockWorker, RedisTarget } from './adapter.js';

/** Sizes and durations of the lock scenarios. */
export interface LockPlan {
  /** Cycles run before the measured ones in the uncontended and ping scenarios. */
  warmupCycles: number;
  /** Measured acquire + release cycles of the uncontended scenario; also PING round trips. */
  cycles: number;
  /** Concurrent workers of the throughput scenario, one key each. */
  throughputWorkers: number;
  /** ms the loops run before the measured window opens (throughput, handoff). */
  warmupMs: number;
  /** ms of the measured window (throughput, handoff). */
  durationMs: number;
  /** Worker counts of the handoff scenario, all on one key. */
  handoffWorkers: number[];
  /** ms each handoff holder keeps the lock. */
  holdMs: number;
  /** Waiters of the waiting scenario, queued behind one holder. */
  waiters: number;
  /** ms the waiting scenario's holder keeps the lock; the measured window is this less `settleMs`. */
  waitingHoldMs: number;
  /** ms given to waiters to make their first attempts before the window opens. */
  settleMs: number;
}

export const FULL_LOCK_PLAN: LockPlan = {
  warmupCycles: 300,
  cycles: 3_000,
  throughputWorkers: 64,
  warmupMs: 500,
  durationMs: 5_000,
  handoffWorkers: [2, 8],
  holdMs: 1,
  waiters: 7,
  waitingHoldMs: 2_300,
  settleMs: 300,
};

export const QUICK_LOCK_PLAN: LockPlan = {
  ...FULL_LOCK_PLAN,
  warmupCycles: 100,
  cycles: 500,
  warmupMs: 200,
  durationMs: 1_000,
  waitingHoldMs: 1_300,
};

/** Upper bound of loop iterations per worker, so that every loop ends even if a clock misbehaves. */
const MAX_CYCLES_PER_WORKER = 5_000_000;
/** ms a scenario's workers get to wind down after the window closed. */
const WIND_DOWN_MS = 60_000;

/** Locks `key`; when a peer's acquire gives up (its own timeout), pauses 1 ms and returns false. */
async function lockOrPause(worker: LockWorker, key: string): Promise<boolean> {
  try {
    await worker.lock(key);
    return true;
  } catch {
    await sleep(1);
    return false;
  }
}

export interface LockResult {
  metrics: Record<string, number>;
  commandsPer?: { unit: string; byCommand: Record<string, number> };
}

async function withWorkers<T>(adapter: LockAdapter, count: number, use: (workers: LockWorker[]) => Promise<T>): Promise<T> {
  const workers: LockWorker[] = [];
  try {
    for (let i = 0; i < count; i += 1) workers.push(await adapter.worker());
    return await use(workers);
  } finally {
    await Promise.allSettled(workers.map((worker) => worker.close()));
  }
}

/** Cycles of one adapter in a row before the next adapter takes its turn (uncontended). */
const UNCONTENDED_BLOCK = 100;

/**
 * One worker per adapter, one key each: `cycles` acquire + release cycles per adapter after a
 * warm-up, each timed. The adapters take turns in blocks of `UNCONTENDED_BLOCK` cycles (the
 * first adapter of each block rotating), so that every adapter meets the same machine: on a
 * small shared machine a round trip can move from 25 µs to 80 µs within a minute, which would
 * otherwise favour whichever adapter ran in the fast minute. Commands per cycle are counted
 * in a separate untimed pass. Results are in the adapters' order.
 */
export async function uncontended(adapters: LockAdapter[], probe: Probe, plan: LockPlan): Promise<LockResult[]> {
  const workers: LockWorker[] = [];
  try {
    for (const adapter of adapters) workers.push(await adapter.worker());
    const key = (index: number) => `uncontended-${index}`;
    const cycle = async (index: number) => {
      await workers[index]!.lock(key(index));
      await workers[index]!.unlock(key(index));
    };
    const commandsPer: Array<{ total: number; byCommand: Record<string, number> }> = [];
    for (const index of workers.keys()) {
      for (let i = 0; i < plan.warmupCycles; i += 1) await cycle(index);
      const before = await probe.commands();
      for (let i = 0; i < UNCONTENDED_BLOCK; i += 1) await cycle(index);
      const commands = commandDelta(before, await probe.commands());
      commandsPer.push({ total: commands.total / UNCONTENDED_BLOCK, byCommand: perUnit(commands, UNCONTENDED_BLOCK) });
    }
    const samples: number[][] = workers.map(() => []);
    const busyMs: number[] = workers.map(() => 0);
    const blocks = Math.ceil(plan.cycles / UNCONTENDED_BLOCK);
    for (let block = 0; block < blocks; block += 1) {
      const size = Math.min(UNCONTENDED_BLOCK, plan.cycles - block * UNCONTENDED_BLOCK);
      for (let turn = 0; turn < workers.length; turn += 1) {
        const index = (block + turn) % workers.length;
        const started = now();
        for (let i = 0; i < size; i += 1) {
          const t0 = now();
          await cycle(index);
          samples[index]!.push((now() - t0) * 1_000);
        }
        busyMs[index]! += now() - started;
      }
    }
    return workers.map((_, index) => {
      const summary = summarize(samples[index]!);
      return {
        metrics: {
          cycles: plan.cycles,
          p50Us: summary.p50,
          p99Us: summary.p99,
          meanUs: summary.mean,
          maxUs: summary.max,
          cyclesPerSec: plan.cycles / (busyMs[index]! / 1_000),
          commandsPerCycle: commandsPer[index]!.total,
        },
        commandsPer: { unit: 'cycle', byCommand: commandsPer[index]!.byCommand },
      };
    });
  } finally {
    await Promise.allSettled(workers.map((worker) => worker.close()));
  }
}

/** Metrics that are counts: summed over slices; every other metric is averaged. */
const COUNTED_METRICS = new Set(['acquireErrors', 'overlaps']);

/**
 * Runs `scenario` for every adapter in `slices` turns of `durationMs / slices` each, the first
 * adapter rotating, and combines each adapter's turns: counts summed, every other metric (and
 * commands per unit) averaged. Like the uncontended blocks, this lets every adapter meet the
 * same machine. Results are in the adapters' order.
 */
export async function inSlices(
  adapters: LockAdapter[],
  plan: LockPlan,
  slices: number,
  scenario: (adapter: LockAdapter, slicePlan: LockPlan) => Promise<LockResult>,
): Promise<LockResult[]> {
  const slicePlan = { ...plan, durationMs: plan.durationMs / slices };
  const turns: LockResult[][] = adapters.map(() => []);
  for (let slice = 0; slice < slices; slice += 1) {
    for (let turn = 0; turn < adapters.length; turn += 1) {
      const index = (slice + turn) % adapters.length;
      turns[index]!.push(await scenario(adapters[index]!, slicePlan));
    }
  }
  const combine = (values: Array<Record<string, number>>, sum: (name: string) => boolean) => {
    const out: Record<string, number> = {};
    for (const name of new Set(values.flatMap((each) => Object.keys(each)))) {
      const total = values.reduce((acc, each) => acc + (each[name] ?? 0), 0);
      out[name] = sum(name) ? total : total / values.length;
    }
    return out;
  };
  return turns.map((results) => {
    const per = results.flatMap((each) => (each.commandsPer ? [each.commandsPer] : []));
    return {
      metrics: combine(results.map((each) => each.metrics), (name) => COUNTED_METRICS.has(name)),
      ...(per.length > 0 && { commandsPer: { unit: per[0]!.unit, byCommand: combine(per.map((each) => each.byCommand), () => false) } }),
    };
  });
}

/** `throughputWorkers` workers, each on its own key, cycling as fast as they can for `durationMs`. */
export function throughput(adapter: LockAdapter, probe: Probe, plan: LockPlan): Promise<LockResult> {
  return withWorkers(adapter, plan.throughputWorkers, async (workers) => {
    let stopping = false;
    let cycles = 0;
    let errors = 0;
    const loops = workers.map(async (worker, index) => {
      const key = `throughput-${index}`;
      for (let i = 0; i < MAX_CYCLES_PER_WORKER && !stopping; i += 1) {
        if (!(await lockOrPause(worker, key))) {
          errors += 1;
          continue;
        }
        await worker.unlock(key);
        cycles += 1;
      }
    });
    await sleep(plan.warmupMs);
    const before = await probe.commands();
    const cpu = await probe.cpuWindow();
    const cyclesBefore = cycles;
    const started = now();
    await sleep(plan.durationMs);
    const counted = cycles - cyclesBefore;
    const elapsed = now() - started;
    const usage = await cpu.stop();
    const commands = commandDelta(before, await probe.commands());
    stopping = true;
    await within(Promise.all(loops), WIND_DOWN_MS, `${adapter.name} throughput workers`);
    return {
      metrics: {
        workers: plan.throughputWorkers,
        cyclesPerSec: counted / (elapsed / 1_000),
        commandsPerSec: commands.total / (elapsed / 1_000),
        commandsPerCycle: commands.total / Math.max(1, counted),
        acquireErrors: errors,
        ...usage,
      },
      commandsPer: { unit: 'cycle', byCommand: perUnit(commands, Math.max(1, counted)) },
    };
  });
}

/**
 * `k` workers on one key. Each holds the lock `holdMs`, releases it, and asks again only
 * after another worker took it, so every acquisition is a handoff. Handoff time: from just
 * before the holder's release call (its release command is about to be sent) to the moment
 * the next holder's acquire resolved. Overlaps: acquisitions made while an in-process
 * counter says another worker is inside (must be 0).
 */
export function handoff(adapter: LockAdapter, probe: Probe, plan: LockPlan, k: number): Promise<LockResult> {
  return withWorkers(adapter, k, async (workers) => {
    const key = `handoff-${k}`;
    let stopping = false;
    let measuring = false;
    let inside = 0;
    let overlaps = 0;
    let generation = 0;
    let releaseSentAt: number | null = null;
    let cycles = 0;
    let errors = 0;
    const samples: number[] = [];
    let wakeUps: Array<() => void> = [];
    const wakeAll = () => {
      const waiting = wakeUps;
      wakeUps = [];
      waiting.forEach((wake) => wake());
    };

    const loops = workers.map(async (worker) => {
      for (let i = 0; i < MAX_CYCLES_PER_WORKER && !stopping; i += 1) {
        if (!(await lockOrPause(worker, key))) {
          errors += 1;
          continue;
        }
        const acquiredAt = now();
        if (inside !== 0) overlaps += 1;
        inside += 1;
        if (measuring) {
          cycles += 1;
          if (releaseSentAt !== null) samples.push(acquiredAt - releaseSentAt);
        }
        releaseSentAt = null;
        generation += 1;
        const mine = generation;
        wakeAll();
        await sleep(plan.holdMs);
        inside -= 1;
        releaseSentAt = now();
        await worker.unlock(key);
        // ask again only once another worker took the lock: each acquisition is a handoff
        while (generation === mine && !stopping) await new Promise<void>((resolve) => wakeUps.push(resolve));
      }
    });

    await sleep(plan.warmupMs);
    const before = await probe.commands();
    const cpu = await probe.cpuWindow();
    measuring = true;
    const started = now();
    await sleep(plan.durationMs);
    measuring = false;
    const elapsed = now() - started;
    const usage = await cpu.stop();
    const commands = commandDelta(before, await probe.commands());
    stopping = true;
    wakeAll();
    await within(Promise.all(loops), WIND_DOWN_MS, `${adapter.name} handoff workers`);
    const summary = summarize(samples);
    return {
      metrics: {
        workers: k,
        handoffs: summary.n,
        handoffP50Ms: summary.p50,
        handoffP99Ms: summary.p99,
        handoffMaxMs: summary.max,
        cyclesPerSec: cycles / (elapsed / 1_000),
        commandsPerSec: commands.total / (elapsed / 1_000),
        commandsPerCycle: commands.total / Math.max(1, cycles),
        overlaps,
        acquireErrors: errors,
        ...usage,
      },
      commandsPer: { unit: 'cycle', byCommand: perUnit(commands, Math.max(1, cycles)) },
    };
  });
}

/**
 * One worker holds a key for `waitingHoldMs` while `waiters` others wait for it: the Redis
 * commands per second seen while nobody can make progress (polling shows here), then the
 * waiters take the lock in turn.
 */
export function waiting(adapter: LockAdapter, probe: Probe, plan: LockPlan): Promise<LockResult> {
  return withWorkers(adapter, plan.waiters + 1, async ([holder, ...waiters]) => {
    const key = 'waiting';
    let errors = 0;
    let overlaps = 0;
    let inside = 0;
    await holder!.lock(key);
    const holdStarted = now();
    inside = 1;
    const deadline = now() + plan.waitingHoldMs + WIND_DOWN_MS;
    const loops = waiters.map(async (worker) => {
      for (let i = 0; i < MAX_CYCLES_PER_WORKER && now() < deadline; i += 1) {
        if (!(await lockOrPause(worker, key))) {
          errors += 1;
          continue;
        }
        if (inside !== 0) overlaps += 1;
        inside += 1;
        await sleep(plan.holdMs);
        inside -= 1;
        await worker.unlock(key);
        return;
      }
    });
    await sleep(plan.settleMs);
    const before = await probe.commands();
    const started = now();
    await sleep(Math.max(0, plan.waitingHoldMs - (now() - holdStarted)));
    const elapsed = now() - started;
    const commands = commandDelta(before, await probe.commands());
    inside = 0;
    await holder!.unlock(key);
    await within(Promise.all(loops), WIND_DOWN_MS, `${adapter.name} waiters`);
    return {
      metrics: {
        waiters: plan.waiters,
        windowMs: elapsed,
        commandsPerSec: commands.total / (elapsed / 1_000),
        commandsPerWaiterPerSec: commands.total / (elapsed / 1_000) / plan.waiters,
        overlaps,
        acquireErrors: errors,
      },
      commandsPer: { unit: 'second', byCommand: perUnit(commands, elapsed / 1_000) },
    };
  });
}

/** Round trips of PING on node-redis (what rx-cluster and the floor use) and ioredis (the peers' client). */
export async function ping(client: 'node-redis' | 'ioredis', target: RedisTarget, plan: LockPlan): Promise<LockResult> {
  let send: () => Promise<unknown>;
  let close: () => Promise<unknown>;
  if (client === 'node-redis') {
    const redis = createClient({ url: target.url });
    redis.on('error', (error: unknown) => console.error('bench ping: connection error', error));
    await redis.connect();
    send = () => redis.ping();
    close = () => redis.close();
  } else {
    const redis = new Redis({ host: target.host, port: target.port, lazyConnect: true });
    redis.on('error', (error: unknown) => console.error('bench ping: connection error', error));
    await redis.connect();
    send = () => redis.ping();
    close = () => redis.quit();
  }
  try {
    for (let i = 0; i < plan.warmupCycles; i += 1) await send();
    const samples: number[] = [];
    for (let i = 0; i < plan.cycles; i += 1) {
      const t0 = now();
      await send();
      samples.push((now() - t0) * 1_000);
    }
    const summary = summarize(samples);
    return { metrics: { roundTrips: summary.n, p50Us: summary.p50, p99Us: summary.p99, meanUs: summary.mean } };
  } finally {
    await close();
  }
}
