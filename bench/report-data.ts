import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Group, Measurement, ResultLine, RunEnd, RunMeta } from './results.js';
import { median, round } from './stats.js';

/** One results file: its meta line, its measurements and (if it finished) its end line. */
export interface ResultSet {
  file: string;
  meta: RunMeta;
  end: RunEnd | null;
  measurements: Measurement[];
}

/** Every results file in `dir` that has a meta line, oldest first. */
export function loadResultSets(dir: string): ResultSet[] {
  if (!existsSync(dir)) return [];
  const sets: ResultSet[] = [];
  for (const name of readdirSync(dir).filter((each) => each.endsWith('.jsonl')).sort()) {
    const lines = readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((each) => each.trim())
      .map((each) => JSON.parse(each) as ResultLine);
    const meta = lines.find((each): each is RunMeta => each.type === 'meta');
    if (!meta) continue;
    sets.push({
      file: name,
      meta,
      end: lines.find((each): each is RunEnd => each.type === 'end') ?? null,
      measurements: lines.filter((each): each is Measurement => each.type === 'measurement'),
    });
  }
  return sets.sort((a, b) => a.meta.startedAt.localeCompare(b.meta.startedAt));
}

/** The newest results file holding measurements of `group`. */
export function latestFor(sets: ResultSet[], group: Group): ResultSet | null {
  for (let i = sets.length - 1; i >= 0; i -= 1) {
    if (sets[i]!.measurements.some((each) => each.group === group)) return sets[i]!;
  }
  return null;
}

/** One metric of one adapter in one scenario: its median over the runs and each run's value. */
export interface Cell {
  median: number;
  runs: number[];
}

/** Measurements of one scenario and variant, looked up by adapter. */
export class ScenarioView {
  constructor(
    private readonly measurements: Measurement[],
    readonly scenario: string,
    readonly variant = '',
  ) {}

  private of(adapter: string): Measurement[] {
    return this.measurements
      .filter((each) => each.scenario === this.scenario && each.variant === this.variant && each.adapter === adapter)
      .sort((a, b) => a.run - b.run);
  }

  has(adapter: string): boolean {
    return this.of(adapter).some((each) => !each.error);
  }

  /** Errors of failed runs, as `run N: message`. */
  errors(adapter: string): string[] {
    return this.of(adapter)
      .filter((each) => each.error)
      .map((each) => `run ${each.run}: ${each.error}`);
  }

  cell(adapter: string, metric: string): Cell | null {
    const runs = this.of(adapter)
      .filter((each) => !each.error && typeof each.metrics[metric] === 'number')
      .map((each) => each.metrics[metric]!);
    return runs.length ? { median: median(runs), runs } : null;
  }

  value(adapter: string, metric: string): number {
    return this.cell(adapter, metric)?.median ?? Number.NaN;
  }

  /** The median per command of `commandsPer` over the runs, largest first. */
  commands(adapter: string): { unit: string; byCommand: Array<[string, number]> } | null {
    const runs = this.of(adapter).filter((each) => !each.error && each.commandsPer);
    if (!runs.length) return null;
    const names = new Set(runs.flatMap((each) => Object.keys(each.commandsPer!.byCommand)));
    const byCommand: Array<[string, number]> = [...names].map((name) => [
      name,
      median(runs.map((each) => each.commandsPer!.byCommand[name] ?? 0)),
    ]);
    return { unit: runs[0]!.commandsPer!.unit, byCommand: byCommand.filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]) };
  }

  /** The settings of the latest run of `adapter`. */
  settings(adapter: string): Record<string, string | number | boolean> | null {
    const runs = this.of(adapter).filter((each) => each.settings);
    return runs[runs.length - 1]?.settings ?? null;
  }
}

/** `412 (405, 419)`: the median, then each run's value. */
export function formatCell(cell: Cell | null): string {
  if (!cell) return '–';
  const show = (value: number) => (Number.isFinite(value) ? round(value).toLocaleString('en-US') : String(value));
  return cell.runs.length > 1 ? `${show(cell.median)} (${cell.runs.map(show).join(', ')})` : show(cell.median);
}

/** `a ÷ b` for the report, `–` when either is missing or b is 0. */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  const value = a / b;
  return `${value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3)}×`;
}

/** One row of the "Figures to reach" table. */
export interface Target {
  what: string;
  measured: string;
  verdict: 'met' | 'missed' | 'not measured';
}

export const verdict = (ok: boolean | null): Target['verdict'] => (ok === null ? 'not measured' : ok ? 'met' : 'missed');

/** Markdown table from a header row and body rows. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
