import type { LatencyBar } from './chart.js';
import { formatCell, ratio, ScenarioView, table, verdict, type Target } from './report-data.js';
import type { Measurement } from './results.js';
import { round } from './stats.js';

export const LOCK_ADAPTERS = ['floor', 'rx-cluster', 'redlock', 'redis-semaphore'];
const PEERS = ['redlock', 'redis-semaphore'];
const POLLING_PEERS = ['redlock', 'redis-semaphore'];

function handoffVariants(measurements: Measurement[]): string[] {
  const variants = new Set(measurements.filter((each) => each.scenario === 'handoff').map((each) => each.variant));
  return [...variants].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
}

function waitingVariant(measurements: Measurement[]): string {
  return measurements.find((each) => each.scenario === 'waiting')?.variant ?? '';
}

/** One table per lock scenario, the ratios of rx-cluster to the floor and each peer, and the chart's bars. */
export function lockTables(measurements: Measurement[]): { markdown: string; bars: LatencyBar[] } {
  if (!measurements.length) return { markdown: 'Not measured yet.', bars: [] };
  const parts: string[] = [];
  const errors: string[] = [];
  const rowsFor = (view: ScenarioView, adapters: string[], columns: Array<[string, string]>, extra?: (adapter: string) => string[]) => {
    const rows = adapters
      .filter((adapter) => view.has(adapter) || view.errors(adapter).length)
      .map((adapter) => {
        view.errors(adapter).forEach((error) => errors.push(`${view.scenario} ${view.variant} ${adapter} ${error}`));
        return [adapter, ...columns.map(([metric]) => formatCell(view.cell(adapter, metric))), ...(extra?.(adapter) ?? [])];
      });
    return table(['adapter', ...columns.map(([, title]) => title), ...(extra ? ['× floor'] : [])], rows);
  };
  const timesFloor = (view: ScenarioView, metric: string) => (adapter: string) => [ratio(view.value(adapter, metric), view.value('floor', metric))];

  const ping = new ScenarioView(measurements, 'ping');
  if (ping.has('node-redis') || ping.has('ioredis')) {
    parts.push('### PING round trip (the floor of any command)', '', rowsFor(ping, ['node-redis', 'ioredis'], [['p50Us', 'p50 µs'], ['p99Us', 'p99 µs']]), '');
  }
  const uncontended = new ScenarioView(measurements, 'uncontended');
  parts.push(
    '### Uncontended: one worker, acquire + release',
    '',
    rowsFor(uncontended, LOCK_ADAPTERS, [['p50Us', 'cycle p50 µs'], ['p99Us', 'cycle p99 µs'], ['cyclesPerSec', 'cycles/s'], ['commandsPerCycle', 'Redis commands/cycle']], timesFloor(uncontended, 'p50Us')),
    '',
    '`× floor` compares cycle p50.',
    '',
  );
  const throughput = new ScenarioView(measurements, 'throughput');
  parts.push(
    '### Throughput: 64 workers, 64 keys',
    '',
    rowsFor(throughput, LOCK_ADAPTERS, [['cyclesPerSec', 'cycles/s'], ['commandsPerCycle', 'Redis commands/cycle'], ['clientCpuPct', 'client CPU %'], ['redisCpuPct', 'Redis CPU %'], ['acquireErrors', 'acquire errors']], timesFloor(throughput, 'cyclesPerSec')),
    '',
    'CPU: percent of one core used during the window by the benchmark process (every worker of the adapter runs on its one JavaScript thread, so near 100 % means that thread is the bottleneck) and by redis-server.',
    '',
  );
  const bars: LatencyBar[] = [];
  for (const variant of handoffVariants(measurements)) {
    const view = new ScenarioView(measurements, 'handoff', variant);
    parts.push(
      `### Forced handoff, ${variant} workers on one key`,
      '',
      rowsFor(
        view,
        LOCK_ADAPTERS,
        [['handoffP50Ms', 'handoff p50 ms'], ['handoffP99Ms', 'handoff p99 ms'], ['handoffMaxMs', 'max ms'], ['cyclesPerSec', 'cycles/s'], ['commandsPerSec', 'Redis commands/s'], ['commandsPerCycle', 'commands/cycle'], ['overlaps', 'overlaps'], ['acquireErrors', 'acquire errors'], ['clientCpuPct', 'client CPU %'], ['redisCpuPct', 'Redis CPU %']],
        timesFloor(view, 'handoffP50Ms'),
      ),
      '',
      '`× floor` compares handoff p50.',
      '',
    );
    for (const adapter of LOCK_ADAPTERS) {
      for (const stat of ['p50', 'p99'] as const) {
        const value = view.value(adapter, `handoff${stat.toUpperCase()}Ms`);
        if (Number.isFinite(value)) bars.push({ panel: variant, adapter, stat, ms: value });
      }
    }
  }
  const waiting = new ScenarioView(measurements, 'waiting', waitingVariant(measurements));
  parts.push(
    '### Waiting: 7 workers wait while one holds the lock',
    '',
    rowsFor(waiting, LOCK_ADAPTERS, [['commandsPerSec', 'Redis commands/s while waiting'], ['commandsPerWaiterPerSec', 'per waiter'], ['acquireErrors', 'acquire errors'], ['overlaps', 'overlaps']], timesFloor(waiting, 'commandsPerSec')),
    '',
  );

  const ratioRows: Array<[string, ScenarioView, string, string]> = [
    ['uncontended cycle p50', uncontended, 'p50Us', 'lower is better'],
    ['throughput cycles/s', throughput, 'cyclesPerSec', 'higher is better'],
    ...handoffVariants(measurements).flatMap((variant): Array<[string, ScenarioView, string, string]> => {
      const view = new ScenarioView(measurements, 'handoff', variant);
      return [
        [`handoff p50, ${variant}`, view, 'handoffP50Ms', 'lower is better'],
        [`handoff p99, ${variant}`, view, 'handoffP99Ms', 'lower is better'],
        [`handoff cycles/s, ${variant}`, view, 'cyclesPerSec', 'higher is better'],
        [`Redis commands per handoff, ${variant}`, view, 'commandsPerCycle', 'lower is better'],
      ];
    }),
    ['Redis commands/s while waiting', waiting, 'commandsPerSec', 'lower is better'],
  ];
  parts.push(
    '### rx-cluster relative to the floor and each peer',
    '',
    'Each cell is rx-cluster\'s median divided by the other\'s median.',
    '',
    table(
      ['figure', 'rx-cluster ÷ floor', ...PEERS.map((peer) => `rx-cluster ÷ ${peer}`), ''],
      ratioRows.map(([what, view, metric, better]) => [what, ...['floor', ...PEERS].map((other) => ratio(view.value('rx-cluster', metric), view.value(other, metric))), better]),
    ),
    '',
  );

  const breakdown = (view: ScenarioView, title: string) => {
    const rows = LOCK_ADAPTERS.map((adapter) => [adapter, view.commands(adapter)] as const)
      .filter(([, commands]) => commands)
      .map(([adapter, commands]) => [adapter, commands!.byCommand.map(([name, n]) => `${name} ${round(n)}`).join(', ') || 'none']);
    if (rows.length) parts.push(`#### ${title}`, '', table(['adapter', 'commands'], rows), '');
  };
  parts.push('### Redis commands by command', '', 'Medians over the runs; commands inside Lua scripts counted one by one.', '');
  breakdown(uncontended, 'Per uncontended cycle');
  for (const variant of handoffVariants(measurements)) breakdown(new ScenarioView(measurements, 'handoff', variant), `Per handoff, ${variant}`);
  breakdown(waiting, 'Per second while 7 workers wait');
  if (errors.length) parts.push('### Failed measurements', '', ...errors.map((error) => `- ${error}`), '');
  return { markdown: parts.join('\n'), bars };
}

/** The lock rows of "Figures to reach". */
export function lockTargets(measurements: Measurement[]): Target[] {
  const targets: Target[] = [];
  const known = (...values: number[]) => values.every(Number.isFinite);
  const uncontended = new ScenarioView(measurements, 'uncontended');
  const [rx, floor] = [uncontended.value('rx-cluster', 'p50Us'), uncontended.value('floor', 'p50Us')];
  targets.push({
    what: 'uncontended cycle p50 ≤ 1.15 × floor',
    measured: known(rx, floor) ? `${ratio(rx, floor)} (${round(rx)} µs vs ${round(floor)} µs)` : '–',
    verdict: verdict(known(rx, floor) ? rx <= 1.15 * floor : null),
  });
  const throughput = new ScenarioView(measurements, 'throughput');
  const [rxRate, floorRate] = [throughput.value('rx-cluster', 'cyclesPerSec'), throughput.value('floor', 'cyclesPerSec')];
  const bestPeer = Math.max(...PEERS.map((peer) => throughput.value(peer, 'cyclesPerSec')).filter(Number.isFinite));
  targets.push({
    what: 'throughput ≥ 0.9 × floor and ≥ 1.3 × the best peer',
    measured: known(rxRate, floorRate, bestPeer) ? `${ratio(rxRate, floorRate)} floor, ${ratio(rxRate, bestPeer)} best peer (${round(rxRate)} cycles/s)` : '–',
    verdict: verdict(known(rxRate, floorRate, bestPeer) ? rxRate >= 0.9 * floorRate && rxRate >= 1.3 * bestPeer : null),
  });
  for (const variant of handoffVariants(measurements)) {
    const view = new ScenarioView(measurements, 'handoff', variant);
    const [p50, p99] = [view.value('rx-cluster', 'handoffP50Ms'), view.value('rx-cluster', 'handoffP99Ms')];
    targets.push({
      what: `handoff p50 < 1 ms and p99 < 5 ms, ${variant}`,
      measured: known(p50, p99) ? `p50 ${round(p50)} ms, p99 ${round(p99)} ms` : '–',
      verdict: verdict(known(p50, p99) ? p50 < 1 && p99 < 5 : null),
    });
  }
  const waiting = new ScenarioView(measurements, 'waiting', waitingVariant(measurements));
  const rxWaiting = waiting.value('rx-cluster', 'commandsPerSec');
  const peersWaiting = POLLING_PEERS.map((peer) => waiting.value(peer, 'commandsPerSec')).filter(Number.isFinite);
  targets.push({
    what: 'Redis commands/s while waiting ≤ 1/10 of each polling peer\'s',
    measured: known(rxWaiting) && peersWaiting.length ? `${round(rxWaiting)}/s vs ${peersWaiting.map(round).join('/s and ')}/s` : '–',
    verdict: verdict(known(rxWaiting) && peersWaiting.length ? peersWaiting.every((peer) => rxWaiting <= peer / 10) : null),
  });
  const overlaps = measurements.filter((each) => each.adapter === 'rx-cluster' && typeof each.metrics.overlaps === 'number');
  targets.push({
    what: 'overlaps (two holders at once) = 0',
    measured: overlaps.length ? `${overlaps.reduce((sum, each) => sum + each.metrics.overlaps!, 0)} in ${overlaps.length} measurements` : '–',
    verdict: verdict(overlaps.length ? overlaps.every((each) => each.metrics.overlaps === 0) : null),
  });
  return targets;
}
