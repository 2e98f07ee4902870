import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One bar: a latency statistic of one adapter in one panel. */
export interface LatencyBar {
  panel: string;
  adapter: string;
  stat: 'p50' | 'p99';
  ms: number;
}

/** Bars on a log axis cannot reach 0: values below this are drawn at it (the tables keep the real ones). */
const FLOOR_MS = 0.01;

/** A bar's value label: 3 significant digits, whole numbers from 100 up. */
function label(ms: number): string {
  return ms >= 100 ? String(Math.round(ms)) : String(Number(ms.toPrecision(3)));
}

function panel(title: string, bars: LatencyBar[], adapters: string[]) {
  return {
    title,
    data: { values: bars.map((bar) => ({ ...bar, drawn: Math.max(FLOOR_MS, bar.ms), label: label(bar.ms) })) },
    facet: { column: { field: 'panel', type: 'nominal' as const, title: null } },
    spec: {
      width: 46 * adapters.length,
      height: 220,
      encoding: {
        x: { field: 'adapter', type: 'nominal' as const, sort: adapters, title: null, axis: { labelAngle: -30 } },
        xOffset: { field: 'stat', type: 'nominal' as const },
        y: { field: 'drawn', type: 'quantitative' as const, scale: { type: 'log' as const }, stack: null, title: 'ms (log scale)' },
      },
      layer: [
        {
          mark: { type: 'bar' as const },
          encoding: { color: { field: 'stat', type: 'nominal' as const, title: 'percentile', scale: { range: ['#4c78a8', '#f58518'] } } },
        },
        {
          mark: { type: 'text' as const, dy: -4, fontSize: 8, baseline: 'bottom' as const },
          encoding: { text: { field: 'label', type: 'nominal' as const } },
        },
      ],
    },
  };
}

/**
 * The report's chart: lock handoff latency (p50, p99) per adapter and worker count, and
 * scheduler lateness (p50, p99) per adapter for the burst and the lone jobs, on log axes.
 * Written with vega-lite, compiled to Vega and rendered to SVG in Node (no browser).
 */
export async function latencyChart(handoff: LatencyBar[], lateness: LatencyBar[], lockAdapters: string[], onceAdapters: string[]): Promise<string> {
  const panels = [];
  if (handoff.length) panels.push(panel('Lock handoff: release to next holder (ms)', handoff, lockAdapters));
  if (lateness.length) panels.push(panel('Scheduler lateness: runAt to handler (ms)', lateness, onceAdapters));
  const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', vconcat: panels, config: { font: 'sans-serif' } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
