import type { OnceRun } from './once.js';

/** One handler's grip on a delivered job: `done()` lets it be removed, `abandon()` hands it back. */
export interface OnceHold {
  done(): void;
  abandon(): void;
}

/**
 * A claimed job on its way through this instance's handlers. It stays claimed while anyone
 * holds it: the runner until every subscriber's `next` has returned, each `process$` until its
 * work has completed. When the last hold ends the job is acked (removed from the store), or,
 * if any holder abandoned it, handed back for redelivery.
 *
 * @example
 * ```ts
 * const hold = delivery.hold();
 * from(work(delivery.run)).subscribe({ complete: hold.done, error: hold.done });
 * ```
 */
export class OnceDelivery {
  /** Local time from which the claim lease runs: when the claim, or its last renewal, was sent. */
  leaseFrom: number;
  /** Set when a renewal found the claim gone (cancelled, or expired and taken): nothing to ack. */
  lost = false;
  // the runner's own hold, released once the subscribers' next calls returned
  private holds = 1;
  private abandoned = false;

  constructor(
    readonly run: OnceRun,
    readonly claimant: string,
    claimSentAt: number,
    private readonly idle: (delivery: OnceDelivery, abandoned: boolean) => void,
  ) {
    this.leaseFrom = claimSentAt;
  }

  /**
   * Keeps the job claimed (and its lease renewed) until `done()` or `abandon()`; each
   * takes effect once, whichever comes first.
   *
   * @example
   * ```ts
   * const hold = delivery.hold();
   * await sendEmail(delivery.run.props);
   * hold.done();
   * ```
   */
  hold(): OnceHold {
    this.holds += 1;
    let open = true;
    const end = (abandon: boolean) => {
      if (!open) return;
      open = false;
      this.drop(abandon);
    };
    return { done: () => end(false), abandon: () => end(true) };
  }

  /** True while a holder other than the runner still works on the job. */
  get held(): boolean {
    return this.holds > 0;
  }

  /**
   * Ends the runner's own hold, after the subscribers' `next` calls returned (or, with
   * `abandon`, instead of delivering). Called once, by the runner.
   *
   * @example
   * ```ts
   * subscriber.next(delivery);
   * delivery.release();
   * ```
   */
  release(abandon = false): void {
    this.drop(abandon);
  }

  private drop(abandon: boolean): void {
    if (abandon) this.abandoned = true;
    this.holds -= 1;
    if (this.holds === 0) this.idle(this, this.abandoned);
  }
}
