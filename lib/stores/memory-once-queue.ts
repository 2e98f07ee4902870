import type { ClaimedOnceJob, OnceClaim, StoredOnceJob } from './store.js';
import { compareJobs } from './once-order.js';

interface Claim {
  claimant: string;
  deadline: number;
}

/**
 * The once jobs of one namespace in memory: unclaimed jobs in an array kept sorted by
 * (runAt, key), so a claim takes due jobs from its front instead of sorting everything;
 * claimed jobs (those in flight) beside it with their lease deadline.
 *
 * @example
 * ```ts
 * const queue = new MemoryOnceQueue();
 * queue.add({ key: 'a', runAt: 0, props: 'null' });
 * queue.claim('runner-1', 30_000, 100, Date.now()).jobs; // [{ key: 'a', …, attempt: 1 }]
 * ```
 */
export class MemoryOnceQueue {
  private readonly jobs = new Map<string, StoredOnceJob>();
  private readonly attempts = new Map<string, number>();
  private readonly queue: StoredOnceJob[] = [];
  private readonly claims = new Map<string, Claim>();

  get size(): number {
    return this.jobs.size;
  }

  get claimed(): number {
    return this.claims.size;
  }

  get(key: string): StoredOnceJob | undefined {
    return this.jobs.get(key);
  }

  add(job: StoredOnceJob): boolean {
    if (this.jobs.has(job.key)) return false;
    this.jobs.set(job.key, job);
    this.queue.splice(this.rankOf(job), 0, job);
    return true;
  }

  remove(key: string): boolean {
    const job = this.jobs.get(key);
    if (!job) return false;
    this.jobs.delete(key);
    this.attempts.delete(key);
    if (!this.claims.delete(key)) this.queue.splice(this.rankOf(job), 1);
    return true;
  }

  /** Every job, claimed or not, in (runAt, key) order. */
  all(): StoredOnceJob[] {
    return [...this.jobs.values()].sort(compareJobs);
  }

  claim(claimant: string, claimTtl: number, limit: number, now: number): OnceClaim {
    const expired = [...this.claims]
      .filter(([, claim]) => claim.deadline <= now)
      .sort(([a, x], [b, y]) => x.deadline - y.deadline || (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([key]) => this.jobs.get(key)!);
    let due = 0;
    while (due < this.queue.length && due < limit - expired.length && this.queue[due]!.runAt <= now) due += 1;
    const taken = [...expired, ...this.queue.splice(0, due)];
    const jobs: ClaimedOnceJob[] = taken.map((job) => {
      const attempt = (this.attempts.get(job.key) ?? 0) + 1;
      this.attempts.set(job.key, attempt);
      this.claims.set(job.key, { claimant, deadline: now + claimTtl });
      return { ...job, attempt };
    });
    let next = this.queue[0]?.runAt ?? Infinity;
    for (const claim of this.claims.values()) next = Math.min(next, claim.deadline);
    return { jobs, now, nextDueIn: next === Infinity ? null : Math.max(0, next - now) };
  }

  extendClaim(key: string, claimant: string, claimTtl: number, now: number): boolean {
    const claim = this.claims.get(key);
    if (claim?.claimant !== claimant || claim.deadline <= now) return false;
    claim.deadline = now + claimTtl;
    return true;
  }

  ack(key: string, claimant: string): boolean {
    if (this.claims.get(key)?.claimant !== claimant) return false;
    return this.remove(key);
  }

  /** Where `job` is, or belongs, in the sorted queue: binary search on (runAt, key). */
  private rankOf(job: StoredOnceJob): number {
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareJobs(this.queue[middle]!, job) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
