/**
 * Maps the store's clock onto this instance's clock. Due times are judged by the store
 * (Redis `TIME` inside the claim script), so a runner must arm its timer in store time: an
 * instance whose clock is off by minutes still wakes when the store says a job is due.
 *
 * Each claim reply carries the store's clock; the store read it somewhere between sending
 * and receiving, so the midpoint is the best estimate and the error is at most half the
 * round trip — a timer that fires that much early costs one empty claim, never a missed job.
 *
 * @example
 * ```ts
 * const clock = new StoreClock();
 * clock.observe(claim.now, sentAt, receivedAt);
 * const wakeAt = clock.toLocal(claim.now + claim.nextDueIn); // in scheduler.now() terms
 * ```
 */
export class StoreClock {
  /** Store time minus local time, in ms; 0 until the first claim. */
  private offset = 0;

  /** Learns the offset from a store reading taken between `sentAt` and `receivedAt` (local ms). */
  observe(storeNow: number, sentAt: number, receivedAt: number): void {
    this.offset = storeNow - (sentAt + receivedAt) / 2;
  }

  /** The local time at which the store's clock shows `storeTime`. */
  toLocal(storeTime: number): number {
    return storeTime - this.offset;
  }
}

/**
 * How long the runner's one timer waits: until `dueAt` (local ms; `Infinity` when nothing is
 * scheduled), but never longer than the safety-net `pollInterval`, and never negative. Rounded
 * up, because a timer that fires before the job is due only buys an empty claim.
 *
 * @example
 * ```ts
 * timerDelay(1_040.2, 1_000, 5_000); // 41
 * timerDelay(Infinity, 1_000, 5_000); // 5000
 * ```
 */
export function timerDelay(dueAt: number, now: number, pollInterval: number): number {
  return Math.min(pollInterval, Math.max(0, Math.ceil(dueAt - now)));
}
