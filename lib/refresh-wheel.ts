import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * One timer for the refreshes of every lease of a Cluster. A lease that ends only leaves the
 * wheel; the timer is not cancelled and re-armed on every lock and unlock (a Node.js timer
 * per lock cycle cost about 9 µs, more than all the rest of the lock's own bookkeeping). When
 * the timer fires it runs the refreshes that are due and re-arms for the next one, or stops
 * if there is none: after the last lease ends it fires at most once more.
 *
 * @example
 * ```ts
 * const wheel = new RefreshWheel(asyncScheduler);
 * const leave = wheel.at(() => refresh(), Date.now() + 7_500);
 * leave(); // the lease ended first
 * ```
 */
export class RefreshWheel {
  private readonly due = new Map<() => void, number>();
  private timer: Subscription | null = null;
  private armedAt = Infinity;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** Runs `refresh` once, at `at` (scheduler time). Returns a function that cancels it. */
  at(refresh: () => void, at: number): () => void {
    this.due.set(refresh, at);
    if (at < this.armedAt) this.arm(at);
    return () => this.due.delete(refresh);
  }

  /** Cancels everything; the wheel can be used again afterwards. */
  stop(): void {
    this.due.clear();
    this.timer?.unsubscribe();
    this.timer = null;
    this.armedAt = Infinity;
  }

  private arm(at: number): void {
    this.timer?.unsubscribe();
    this.armedAt = at;
    this.timer = this.scheduler.schedule(() => this.fire(), Math.max(0, at - this.scheduler.now()));
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Infinity;
    const now = this.scheduler.now();
    let next = Infinity;
    for (const [refresh, at] of [...this.due]) {
      // timers may fire a millisecond before their time: that counts as due
      if (at <= now + 1) {
        this.due.delete(refresh);
        refresh();
      } else {
        next = Math.min(next, at);
      }
    }
    for (const at of this.due.values()) next = Math.min(next, at);
    if (next < Infinity) this.arm(next);
  }
}
