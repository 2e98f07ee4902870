import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Group = 'lock' | 'once';

/** One adapter in one scenario of one run: one JSON line of a results file. */
export interface Measurement {
  type: 'measurement';
  group: Group;
  scenario: string;
  /** e.g. `K=8`; empty when the scenario has one form. */
  variant: string;
  adapter: string;
  /** 1-based repeat number. */
  run: number;
  /** Where the adapter came in this scenario's order during this run (0 = first). */
  position: number;
  metrics: Record<string, number>;
  /** Redis commands per unit (cycle, job), by command, when the scenario counts them. */
  commandsPer?: { unit: string; byCommand: Record<string, number> };
  /** The settings the adapter ran with. */
  settings?: Record<string, string | number | boolean>;
  /** Set when the measurement failed; metrics are then partial or empty. */
  error?: string;
  at: string;
}

/** The first line of a results file: where, with what and how the benchmarks ran. */
export interface RunMeta {
  type: 'meta';
  startedAt: string;
  argv: string[];
  options: Record<string, unknown>;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  redis: Record<string, unknown>;
  scenarios: Record<string, unknown>;
}

/** The last line: how long it took and how loaded the machine was at the end. */
export interface RunEnd {
  type: 'end';
  finishedAt: string;
  durationMs: number;
  loadAverageEnd: number[];
}

export type ResultLine = RunMeta | Measurement | RunEnd;

/** Appends JSON lines to one results file, line by line, so a run cut short keeps what it measured. */
export class ResultsFile {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(line: ResultLine): void {
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
  }
}
