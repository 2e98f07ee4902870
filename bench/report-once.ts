import type { LatencyBar } from './chart.js';
import { formatCell, ratio, ScenarioView, table, verdict, type Target } from './report-data.js';
import type { Measurement } from './results.js';
import { round } from './stats.js';

export const ONCE_ADAPTERS = ['rx-cluster', 'bullmq'];

/** The scheduler tables, the ratios of rx-cluster to BullMQ, and the chart's bars. */
export function onceTables(measurements: Measurement[]): { markdown: string; bars: LatencyBar[] } {
  if (!measurements.length) {
    return { markdown: 'Not measured yet: the scheduler figures are pending (`npm run bench -- --only once`).', bars: [] };
  }
  const parts: string[] = [];
  const errors: string[] = [];
  const rowsFor = (view: ScenarioView, columns: Array<[string, string]>) => {
    const rows = ONCE_ADAPTERS.filter((adapter) => view.has(adapter) || view.errors(adapter).length).map((adapter) => {
      view.errors(adapter).forEach((error) => errors.push(`${view.scenario} ${adapter} ${error}`));
      return [adapter, ...columns.map(([metric]) => formatCell(view.cell(adapter, metric)))];
    });
    return table(['adapter', ...columns.map(([, title]) => title)], rows);
  };
  const jobs = (view: ScenarioView, metric: string) => round(view.value('rx-cluster', metric) || view.value('bullmq', metric)).toLocaleString('en-US');

  const burst = new ScenarioView(measurements, 'burst');
  parts.push(
    `### Due jobs: ${jobs(burst, 'burstJobs')} at one instant, then ${jobs(burst, 'loneJobs')} at random instants over 3 s, ${jobs(burst, 'runners')} runners`,
    '',
    rowsFor(burst, [
      ['burstP50Ms', 'burst lateness p50 ms'],
      ['burstP99Ms', 'p99 ms'],
      ['burstMaxMs', 'max ms'],
      ['drainPerSec', 'drain jobs/s'],
      ['loneP50Ms', 'lone lateness p50 ms'],
      ['loneP99Ms', 'p99 ms'],
      ['loneMaxMs', 'max ms'],
      ['duplicates', 'duplicates'],
      ['missed', 'missed'],
      ['commandsPerJob', 'Redis commands/job'],
    ]),
    '',
  );
  const bulk = new ScenarioView(measurements, 'bulk');
  parts.push(
    `### ${jobs(bulk, 'jobs')} jobs due in an hour, scheduled while 3 runners are subscribed`,
    '',
    rowsFor(bulk, [
      ['schedulePerSec', 'scheduled jobs/s'],
      ['bytesPerJob', 'Redis bytes/job'],
      ['commandsPerJob', 'Redis commands/job'],
      ['clientCpuPct', 'client CPU %'],
      ['redisCpuPct', 'Redis CPU %'],
      ['runnerStartupMs', 'runner start-up ms'],
      ['runnerRssMb', 'runner RSS MB'],
      ['runnerRssGrowthMb', 'of it the scheduler MB'],
      ['runnerHeapGrowthMb', 'scheduler heap MB'],
      ['firedEarly', 'fired early'],
    ]),
    '',
    'The runner figures come from one runner alone in a child process, started once the jobs are stored. "Of it the scheduler": RSS growth from before the scheduler\'s code was loaded (the rest is Node.js itself); heap likewise. Client CPU: the benchmark process, which also runs the 3 runners.',
    '',
  );
  const startup = new ScenarioView(measurements, 'startup');
  parts.push(
    `### Runner start-up: nothing stored, then ${jobs(startup, 'jobs')} jobs due in an hour`,
    '',
    rowsFor(startup, [
      ['emptyStartupMs', 'start-up ms, empty'],
      ['loadedStartupMs', `start-up ms, loaded`],
      ['emptyRssMb', 'RSS MB, empty'],
      ['loadedRssMb', 'RSS MB, loaded'],
      ['emptyRssGrowthMb', 'of it the scheduler MB, empty'],
      ['loadedRssGrowthMb', 'of it the scheduler MB, loaded'],
      ['emptyHeapUsedMb', 'heap MB, empty'],
      ['loadedHeapUsedMb', 'heap MB, loaded'],
      ['loadedOtherRuns', 'jobs fired early'],
      ['schedulePerSec', 'scheduled jobs/s (no runner)'],
      ['bytesPerJob', 'Redis bytes/job'],
    ]),
    '',
  );
  const ratioRows: Array<[string, ScenarioView, string, string]> = [
    ['burst lateness p99', burst, 'burstP99Ms', 'lower is better'],
    ['drain jobs/s', burst, 'drainPerSec', 'higher is better'],
    ['lone lateness p99', burst, 'loneP99Ms', 'lower is better'],
    ['Redis commands per job (burst)', burst, 'commandsPerJob', 'lower is better'],
    ['scheduled jobs/s', bulk, 'schedulePerSec', 'higher is better'],
    ['Redis bytes per job', bulk, 'bytesPerJob', 'lower is better'],
    ['runner start-up, loaded', startup, 'loadedStartupMs', 'lower is better'],
    ['runner RSS, loaded', startup, 'loadedRssMb', 'lower is better'],
  ];
  parts.push(
    '### rx-cluster relative to BullMQ',
    '',
    table(['figure', 'rx-cluster ÷ bullmq', ''], ratioRows.map(([what, view, metric, better]) => [what, ratio(view.value('rx-cluster', metric), view.value('bullmq', metric)), better])),
    '',
  );
  const breakdown = (view: ScenarioView, title: string) => {
    const rows = ONCE_ADAPTERS.map((adapter) => [adapter, view.commands(adapter)] as const)
      .filter(([, commands]) => commands)
      .map(([adapter, commands]) => [adapter, commands!.byCommand.map(([name, n]) => `${name} ${round(n)}`).join(', ') || 'none']);
    if (rows.length) parts.push(`#### ${title}`, '', table(['adapter', 'commands'], rows), '');
  };
  parts.push('### Redis commands by command', '');
  breakdown(burst, 'Per job, burst scenario (scheduling, claiming, acknowledging)');
  breakdown(bulk, 'Per job, scheduling jobs due in an hour');
  if (errors.length) parts.push('### Failed measurements', '', ...errors.map((error) => `- ${error}`), '');

  const bars: LatencyBar[] = [];
  for (const adapter of ONCE_ADAPTERS) {
    for (const [panel, prefix] of [['burst', 'burst'], ['lone jobs', 'lone']] as const) {
      for (const stat of ['p50', 'p99'] as const) {
        const value = burst.value(adapter, `${prefix}${stat.toUpperCase()}Ms`);
        if (Number.isFinite(value)) bars.push({ panel, adapter, stat, ms: value });
      }
    }
  }
  return { markdown: parts.join('\n'), bars };
}

/** The scheduler rows of "Figures to reach". */
export function onceTargets(measurements: Measurement[]): Target[] {
  const burst = new ScenarioView(measurements, 'burst');
  const bulk = new ScenarioView(measurements, 'bulk');
  const startup = new ScenarioView(measurements, 'startup');
  const rx = (view: ScenarioView, metric: string) => view.value('rx-cluster', metric);
  const check = (what: string, value: number, ok: (value: number) => boolean, unit: string): Target => ({
    what,
    measured: Number.isFinite(value) ? `${round(value).toLocaleString('en-US')}${unit}` : '–',
    verdict: verdict(Number.isFinite(value) ? ok(value) : null),
  });
  const runsOf = (metric: string) =>
    measurements.filter((each) => each.scenario === 'burst' && each.adapter === 'rx-cluster' && typeof each.metrics[metric] === 'number').map((each) => each.metrics[metric]!);
  const total = (metric: string) => (runsOf(metric).length ? runsOf(metric).reduce((a, b) => a + b, 0) : Number.NaN);
  const emptyStart = rx(startup, 'emptyStartupMs');
  const loadedStart = rx(startup, 'loadedStartupMs');
  const rssGrowth = rx(startup, 'loadedRssMb') - rx(startup, 'emptyRssMb');
  const grows = [emptyStart, loadedStart, rssGrowth].every(Number.isFinite);
  return [
    check('burst lateness p99 < 50 ms', rx(burst, 'burstP99Ms'), (v) => v < 50, ' ms'),
    check('drain ≥ 10,000 jobs/s', rx(burst, 'drainPerSec'), (v) => v >= 10_000, ' jobs/s'),
    check('lone-job lateness p99 < 10 ms', rx(burst, 'loneP99Ms'), (v) => v < 10, ' ms'),
    check('0 duplicates (all runs)', total('duplicates'), (v) => v === 0, ''),
    check('0 missed (all runs)', total('missed'), (v) => v === 0, ''),
    {
      ...check('scheduling ≥ 50,000 jobs/s (3 runners subscribed)', rx(bulk, 'schedulePerSec'), (v) => v >= 50_000, ' jobs/s'),
      measured: `${Number.isFinite(rx(bulk, 'schedulePerSec')) ? round(rx(bulk, 'schedulePerSec')).toLocaleString('en-US') : '–'} jobs/s; with no runner subscribed ${Number.isFinite(rx(startup, 'schedulePerSec')) ? round(rx(startup, 'schedulePerSec')).toLocaleString('en-US') : '–'} jobs/s`,
    },
    check('< 250 bytes/job in Redis', rx(bulk, 'bytesPerJob'), (v) => v < 250, ' bytes'),
    {
      what: 'runner start-up and memory do not grow with jobs due later (loaded start-up within 50 ms of empty, RSS within 10 MB)',
      measured: grows ? `start-up ${round(emptyStart)} → ${round(loadedStart)} ms, RSS ${rssGrowth >= 0 ? '+' : ''}${round(rssGrowth)} MB` : '–',
      verdict: verdict(grows ? loadedStart - emptyStart <= 50 && rssGrowth <= 10 : null),
    },
  ];
}
