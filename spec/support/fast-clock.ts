import { asyncScheduler, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * A real-time scheduler whose clock runs `factor` times faster: every delay is divided by it
 * and `now()` advances `factor` ms per real ms. For specs whose waits are minutes or seconds
 * of library time but must run in milliseconds, while Promises (the store) stay real.
 *
 * @example
 * ```ts
 * createCluster({ store, scheduler: fastClock(100) }); // a 10 s back-off takes 100 ms
 * ```
 */
export function fastClock(factor: number): SchedulerLike {
  const start = Date.now();
  return {
    now: () => start + (Date.now() - start) * factor,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      return asyncScheduler.schedule(work, delay / factor, state);
    },
  };
}
