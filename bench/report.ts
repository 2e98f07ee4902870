import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencyChart, type LatencyBar } from './chart.js';
import { ROOT } from './environment.js';
import { latestFor, loadResultSets, ScenarioView, table, type ResultSet } from './report-data.js';
import { lockTables, lockTargets, LOCK_ADAPTERS } from './report-lock.js';
import { onceTables, onceTargets, ONCE_ADAPTERS } from './report-once.js';

const RESULTS = join(ROOT, 'bench', 'results');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const CHART = join(ROOT, 'docs', 'benchmarks.svg');
const NOTES = join(ROOT, 'bench', 'notes.md');

function source(set: ResultSet | null, what: string): string {
  if (!set) return `- ${what}: not measured yet (run \`npm run bench\`).`;
  const runs = String(set.meta.options.runs ?? '?');
  const quick = set.meta.options.quick ? ', **--quick** (short windows, smaller job counts: a trial, not the reference figures)' : '';
  const load = (set.meta.machine.loadAverageStart as number[] | undefined)?.join(' / ') ?? '?';
  const end = set.end ? `finished in ${Math.round(set.end.durationMs / 1_000)} s, load average at the end ${set.end.loadAverageEnd.join(' / ')}` : 'did not finish';
  return `- ${what}: \`bench/results/${set.file}\` — ${runs} run(s)${quick}; started ${set.meta.startedAt}, load average at the start ${load}; ${end}.`;
}

function environment(sets: Array<ResultSet | null>): string {
  const set = sets.find((each) => each !== null);
  if (!set) return '';
  const machine = set.meta.machine;
  const rows: string[][] = [
    ['CPU', `${machine.cpu} × ${machine.cores}`],
    ['memory', `${machine.memoryGiB} GiB`],
    ['OS', String(machine.os)],
    ['Node.js', String(machine.node)],
    ['Redis server', `${set.meta.redis.version} (${set.meta.redis.server})`],
    ...Object.entries(set.meta.versions).map(([name, version]) => [name, version]),
  ];
  return table(['', ''], rows);
}

function settings(lockSet: ResultSet | null, onceSet: ResultSet | null): string {
  const parts: string[] = [];
  const describe = (set: ResultSet | null, scenario: string, variant: string, adapters: string[], group: string) => {
    if (!set) return;
    const view = new ScenarioView(set.measurements, scenario, variant);
    for (const adapter of adapters) {
      const found = view.settings(adapter);
      if (!found) continue;
      const list = Object.entries(found)
        .map(([name, value]) => `\`${name}\`: ${value}`)
        .join('; ');
      parts.push(`- **${adapter}** (${group}) — ${list}`);
    }
  };
  const lockScenario = lockSet?.measurements.find((each) => each.group === 'lock' && each.settings);
  describe(lockSet, lockScenario?.scenario ?? '', lockScenario?.variant ?? '', LOCK_ADAPTERS, 'lock');
  const onceScenario = onceSet?.measurements.find((each) => each.group === 'once' && each.settings);
  describe(onceSet, onceScenario?.scenario ?? '', onceScenario?.variant ?? '', ONCE_ADAPTERS, 'scheduler');
  const plans = [lockSet ? `- lock scenarios: \`${JSON.stringify(lockSet.meta.scenarios.lock)}\`` : '', onceSet ? `- scheduler scenarios: \`${JSON.stringify(onceSet.meta.scenarios.once)}\`` : ''];
  return [...parts, ...plans.filter(Boolean)].join('\n');
}

const HOW_TO_RUN = `\`\`\`sh
npm run bench                      # everything, 2 runs (about 8 minutes on 2 cores)
npm run bench -- --runs 3          # more repeats
npm run bench -- --only lock       # lock scenarios only (also: --only once, --only handoff,burst, …)
npm run bench -- --quick --only lock          # a trial of about a minute (1 s windows, 2 runs)
npm run bench -- --quick --runs 1             # everything, short: about a minute and a half
npm run bench -- --report          # rebuild this page from bench/results/ without measuring
npm run bench -- --help
\`\`\`

\`npm run bench\` builds \`dist/\` first and measures that build (the runner child process
needs it; without a current build the rest falls back to \`lib/\` through tsx and the
results say so). The harness starts its own \`redis-server\` (from PATH, no persistence)
on a free loopback port and stops it at the end; \`REDIS_URL\` may name an empty loopback
database instead (it is flushed between scenarios). Every scenario runs every adapter in
one process against that one server, flushed before each adapter (before each scenario for
the interleaved uncontended and throughput scenarios); the adapters' order is reversed on
every other run. Each run appends JSON lines to a new file in
\`bench/results/\`; this page is rebuilt from the newest file holding lock results and the
newest holding scheduler results. The benchmarks are not part of \`npm test\`.`;

const METHOD = `- **Workers are instances.** Each lock worker has its own connection(s) and library
  objects, as separate processes would (rx-cluster: one \`Cluster\` and node-redis client each,
  plus the store's subscriber connection; the floor: one node-redis client; redlock and
  redis-semaphore: one ioredis client each).
- **Uncontended**: one worker per adapter, one key each; after a warm-up, each acquire +
  release cycle is timed. The adapters take turns in blocks of 100 cycles (who goes first
  rotates), because on this shared 2-core machine a PING round trip can move between about
  25 µs and 80 µs from one minute to the next: measured one after the other, the adapter that
  ran in the fast minute would win. Commands per cycle come from a separate untimed pass.
- **Throughput**: workers on a key each, cycling as fast as they can; cycles counted in the
  window after a warm-up. Each adapter's window is cut into 5 slices of 1 s, taken in
  rotation with the other adapters; the figures are the slices' means.
- **Handoff**: K workers on one key. A holder keeps the lock 1 ms (a 1 ms timer), releases
  it and asks again only once another worker has taken it, so every acquisition is a
  handoff. *Handoff time* is measured from the instant just before the holder calls release
  (its release command is about to be sent) to the instant the next holder's acquire
  resolved. *Overlaps*: acquisitions made while a shared in-process counter says another
  worker is inside (must be 0).
- **Waiting**: one worker holds a key while 7 others wait for it; Redis commands per
  second in the window (after the waiters' first attempts) show polling.
- **Redis commands** are INFO commandstats deltas over the measured window: every command
  Redis executed, including those run inside Lua scripts (a script call counts as one
  EVALSHA plus each command it runs), excluding the harness's own INFO calls.
- **Scheduler**: 3 runners (instances) in this process take due jobs; a separate instance
  schedules. Both schedulers store the same props (\`{ runAt }\`). *Lateness* is the time from
  a job's runAt to its handler being called. *Drain*: burst jobs per second from the burst
  instant to the last burst job's handler call. *Duplicates*: extra handler calls for a key;
  *missed*: keys not handled 15 s after their instant. *Bytes per job*: INFO used_memory
  after scheduling minus before, divided by the jobs. *Runner start-up*: a runner alone in a
  child process, from starting it to the handler receiving a job that was already due
  (a sentinel), with nothing else stored and with the large set due in an hour; its RSS and
  heap are read after an idle period, and so is their growth from before the scheduler's
  code was loaded (the child is plain Node.js, no TypeScript loader, with rx-cluster from
  \`dist/\`).
- Percentiles are nearest-rank. Each table cell is the median over the runs, followed by
  each run's value in parentheses.`;

/** Regenerates docs/benchmarks.md and docs/benchmarks.svg from bench/results/; returns the doc's path. */
export async function writeReport(): Promise<string> {
  const sets = loadResultSets(RESULTS);
  const lockSet = latestFor(sets, 'lock');
  const onceSet = latestFor(sets, 'once');
  const lock = lockTables(lockSet?.measurements ?? []);
  const once = onceTables(onceSet?.measurements ?? []);
  const targets = [...lockTargets(lockSet?.measurements ?? []), ...onceTargets(onceSet?.measurements ?? [])];
  const bars: { handoff: LatencyBar[]; lateness: LatencyBar[] } = { handoff: lock.bars, lateness: once.bars };
  let chart = '';
  if (bars.handoff.length || bars.lateness.length) {
    writeFileSync(CHART, await latencyChart(bars.handoff, bars.lateness, LOCK_ADAPTERS, ONCE_ADAPTERS));
    chart = `![Handoff latency and scheduler lateness, p50 and p99, log scale](benchmarks.svg)\n\nDrawn with [vega-lite](https://vega.github.io/vega-lite/) ${lockSet?.meta.versions['vega-lite'] ?? onceSet?.meta.versions['vega-lite'] ?? ''}, compiled to Vega and rendered to SVG in Node (no browser), by \`bench/chart.ts\`. Bars below 0.01 ms are drawn at 0.01 ms; the tables hold the real values.`;
  }
  const notes = existsSync(NOTES) ? readFileSync(NOTES, 'utf8').trim() : '';
  const doc = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/report.ts) from bench/results/; edit bench/report*.ts or bench/notes.md, not this file. -->',
    '',
    'rx-cluster against [redlock](https://www.npmjs.com/package/redlock), [redis-semaphore](https://www.npmjs.com/package/redis-semaphore), BullMQ delayed jobs and the raw Redis floor (a hand-written minimal lock, and PING), all in one run, in one process, against one private redis-server.',
    '',
    '## Figures to reach',
    '',
    table(['target', 'measured (medians)', 'verdict'], targets.map((each) => [each.what, each.measured, each.verdict])),
    '',
    source(lockSet, 'Lock figures'),
    source(onceSet, 'Scheduler figures'),
    '',
    notes,
    '',
    '## Machine and versions',
    '',
    environment([lockSet, onceSet]),
    '',
    '## Settings',
    '',
    'Every library runs with its documented defaults; where it has none (redlock\'s lock duration), the value is given here.',
    '',
    settings(lockSet, onceSet),
    '',
    '## Lock scenarios',
    '',
    lock.markdown,
    '',
    '## Scheduler scenarios',
    '',
    once.markdown,
    '',
    '## Chart',
    '',
    chart || 'No latency figures yet.',
    '',
    '## How the figures are taken',
    '',
    METHOD,
    '',
    '## How to run',
    '',
    HOW_TO_RUN,
    '',
  ].join('\n');
  writeFileSync(DOC, doc.replace(/\n{3,}/g, '\n\n'));
  return DOC;
}
