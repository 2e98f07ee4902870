/** The figures every fault scenario reports, plus what else it measured. */
export interface FaultFigures {
  operations: number;
  faults: string;
  overlaps: number;
  lost: number;
  dups: number;
  [more: string]: string | number;
}

/**
 * Prints the one-line summary of a fault scenario, so that a run of `npm test` shows what
 * each scenario did and found:
 * `[fault] mutex: operations 212, faults 9 SIGKILL, overlaps 0, lost 0, dups 0, …`.
 *
 * @example
 * ```ts
 * printSummary('mutex', { operations: 212, faults: '9 SIGKILL', overlaps: 0, lost: 0, dups: 0 });
 * ```
 */
export function printSummary(scenario: string, figures: FaultFigures): void {
  const fields = Object.entries(figures).map(([name, value]) => `${name} ${value}`);
  console.log(`      [fault] ${scenario}: ${fields.join(', ')}`);
}
