/** One delivery of a once job to a runner process, as the test process received it. */
export interface Delivery {
  who: string;
  attempt: number;
  /** Position in the ledger's one order of deliveries and deaths. */
  seq: number;
}

/** A repeated delivery that the kills do not explain, and why. */
export interface UnexplainedDuplicate {
  key: string;
  deliveries: Delivery[];
  why: string;
}

/**
 * Every delivery of every once job to the runner processes of a fault scenario, and every
 * runner death, so that the test can tell which jobs were lost and whether each repeated
 * delivery is one the at-least-once guarantee allows: the job's previous runner died
 * (SIGKILL) after the job reached it and before the job came again, and the new delivery
 * carries a higher `attempt`.
 *
 * @example
 * ```ts
 * const ledger = new DeliveryLedger(keys);
 * ledger.delivered('p1', 'job-1', 1);
 * ledger.died('p1');
 * ledger.delivered('p2', 'job-1', 2);
 * expect(ledger.unexplainedDuplicates()).to.deep.equal([]);
 * ```
 */
export class DeliveryLedger {
  private readonly deliveries = new Map<string, Delivery[]>();
  /** When each runner died, as a position in the same order as deliveries. */
  private readonly deaths = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private seq = 0;

  constructor(private readonly expected: readonly string[]) {}

  delivered(who: string, key: string, attempt: number): void {
    const list = this.deliveries.get(key) ?? [];
    list.push({ who, attempt, seq: (this.seq += 1) });
    this.deliveries.set(key, list);
    this.inFlight.set(who, (this.inFlight.get(who) ?? 0) + 1);
  }

  /** A runner's work on a job completed (its ack may still be on its way). */
  done(who: string): void {
    this.inFlight.set(who, Math.max(0, (this.inFlight.get(who) ?? 0) - 1));
  }

  died(who: string): void {
    if (!this.deaths.has(who)) this.deaths.set(who, (this.seq += 1));
    this.inFlight.delete(who);
  }

  /** How many deliveries in all. */
  get total(): number {
    let total = 0;
    for (const list of this.deliveries.values()) total += list.length;
    return total;
  }

  /** The runner with the most works in progress now, if any has one. */
  busiest(alive: readonly string[]): string | null {
    let best: string | null = null;
    for (const who of alive) if ((this.inFlight.get(who) ?? 0) > (best ? this.inFlight.get(best)! : 0)) best = who;
    return best;
  }

  /** Expected keys never delivered. */
  lost(): string[] {
    return this.expected.filter((key) => !this.deliveries.has(key));
  }

  /** Keys delivered more than once. */
  duplicates(): string[] {
    return [...this.deliveries].filter(([, list]) => list.length > 1).map(([key]) => key);
  }

  /** Repeated deliveries whose previous runner did not die in between, or whose attempt did not grow. */
  unexplainedDuplicates(): UnexplainedDuplicate[] {
    const unexplained: UnexplainedDuplicate[] = [];
    for (const key of this.duplicates()) {
      const list = this.deliveries.get(key)!;
      for (let i = 1; i < list.length; i += 1) {
        const [before, again] = [list[i - 1]!, list[i]!];
        const diedAt = this.deaths.get(before.who);
        const why =
          again.attempt <= before.attempt
            ? `attempt ${again.attempt} after attempt ${before.attempt}`
            : diedAt === undefined || diedAt > again.seq
              ? `delivered again while ${before.who} was alive`
              : null;
        if (why) unexplained.push({ key, deliveries: list, why });
      }
    }
    return unexplained;
  }
}
