import type { DemoEvent, DemoSettings } from './demo-event.js';

/** One check of the demo's summary. */
export interface DemoCheck {
  ok: boolean;
  text: string;
}

/** What the demo saw, for its summary. */
export interface DemoRecord {
  events: DemoEvent[];
  settings: DemoSettings;
  /** The instance the demo crashed and when (ms since start), if it did. */
  crash: { instance: string; t: number } | null;
  /** Keys of the once jobs the demo scheduled. */
  onceKeys: string[];
  /** When the demo stopped its instances (ms since start). */
  end: number;
}

interface Span {
  instance: string;
  start: number;
  end: number;
}

/** Pairs start and stop events of each instance into spans; a crash or the end closes open ones. */
function spans(record: DemoRecord, startKind: DemoEvent['kind'], endKind: DemoEvent['kind']): Span[] {
  const open = new Map<string, number>();
  const done: Span[] = [];
  for (const event of record.events) {
    if (event.kind === startKind) open.set(event.instance, event.t);
    if (event.kind === endKind && open.has(event.instance)) {
      done.push({ instance: event.instance, start: open.get(event.instance)!, end: event.t });
      open.delete(event.instance);
    }
  }
  for (const [instance, start] of open) {
    const end = record.crash?.instance === instance ? record.crash.t : record.end;
    done.push({ instance, start, end });
  }
  return done.sort((a, b) => a.start - b.start);
}

function overlapping(list: Span[]): boolean {
  return list.some((span, i) => i > 0 && span.start < list[i - 1]!.end);
}

/**
 * Checks what the demo showed: one heartbeat run at a time and per interval, one leader at a
 * time with a takeover within the lock's ttl after the crash, each once job fired exactly once.
 *
 * @example
 * ```ts
 * const checks = checkDemo(record);
 * process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
 * ```
 */
export function checkDemo(record: DemoRecord): DemoCheck[] {
  const { settings } = record;
  const checks: DemoCheck[] = [];

  const runs = spans(record, 'job-start', 'job-end');
  const gaps = runs.slice(1).map((run, i) => run.start - runs[i]!.start);
  const closest = gaps.length ? Math.min(...gaps) : Infinity;
  checks.push({
    ok: runs.length >= 2 && !overlapping(runs) && closest >= settings.jobInterval - 100,
    text: `job$ heartbeat: ${runs.length} runs, never two at once, closest starts ${
      Number.isFinite(closest) ? `${(closest / 1000).toFixed(2)} s` : 'n/a'
    } apart (interval ${settings.jobInterval / 1000} s)`,
  });

  const leaders = spans(record, 'leader-start', 'leader-stop');
  checks.push({
    ok: leaders.length >= 1 && !overlapping(leaders),
    text: `withClusterLock leader: ${leaders.length} holding periods, never two holders at once`,
  });

  if (record.crash) {
    const { instance, t } = record.crash;
    const takeover = leaders.find((span) => span.instance !== instance && span.start >= t);
    const took = takeover ? takeover.start - t : null;
    checks.push({
      ok: took !== null && took <= settings.leaderTtl + 1_000,
      text:
        took === null
          ? `takeover: no instance took over from ${instance}`
          : `takeover: ${takeover!.instance} took over ${(took / 1000).toFixed(2)} s after ${instance} crashed (lock ttl ${settings.leaderTtl / 1000} s)`,
    });
  }

  const fired = new Map(record.onceKeys.map((key) => [key, 0]));
  for (const event of record.events) if (event.kind === 'once-fired' && fired.has(event.key!)) fired.set(event.key!, fired.get(event.key!)! + 1);
  const duplicates = [...fired.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const missed = [...fired.values()].filter((n) => n === 0).length;
  checks.push({
    ok: duplicates === 0 && missed === 0,
    text: `once: ${record.onceKeys.length} jobs, duplicates ${duplicates}, missed ${missed}`,
  });
  return checks;
}
