import type { Observable, ObservableInput } from 'rxjs';
import { ConsumerGuardedObservable } from './consumer-guard.js';
import type { ClusterContext } from './context.js';
import { runJobLoop, type JobConfig } from './job-loop.js';
import { leaseTiming, type MutexOptions } from './mutex.js';
import { toNextWaitInterval, type JobSchedule } from './schedules.js';
import { assertKey, describe } from './validate.js';

export type { JobMetadata, JobSchedule, NextWaitInterval } from './schedules.js';

/** One run of a recurring job, as `job$` emits it (without `work`) or hands it to `work`. */
export interface JobRun {
  key: string;
  /** When this run started, on this instance's clock. */
  startedAt: Date;
  /** When the previous run finished anywhere in the cluster; null if never. */
  lastFinished: Date | null;
  /** The fence of the job's lock for this run: it grows with every run and every check. */
  fence: number;
  /** Aborts if the job's lock is lost mid-run (reason: `LockLostError`) and when the run's lock is let go. */
  signal: AbortSignal;
}

/**
 * Options of `job$(key, schedule, work?, options?)`: the job's lock. A run holds it, refreshed,
 * for as long as it lasts; if the instance dies mid-run, the job runs elsewhere after `ttl`.
 */
export type JobOptions = MutexOptions;

/** The `job$` of one cluster. */
export interface JobFactory {
  /**
   * A recurring job whose run is the subscriber's `next` call: at most one run at a time
   * across the cluster, each when the schedule says it is due.
   *
   * @example
   * ```ts
   * job$('digest', { minutes: 5 }).subscribe((run) => sendDigest(run.lastFinished));
   * ```
   */
  (key: string, schedule: JobSchedule, options?: JobOptions): Observable<JobRun>;
  /**
   * A recurring job whose run is `work(run)`: the lock is held until its ObservableInput
   * completes, and its values are emitted.
   *
   * @example
   * ```ts
   * job$('sync', everyInterval(30_000), (run) => from(syncAll(run.signal))).subscribe();
   * ```
   */
  <T>(key: string, schedule: JobSchedule, work: (run: JobRun) => ObservableInput<T>, options?: JobOptions): Observable<T>;
}

/**
 * Builds `cluster.job$`. Arguments are checked at call time, so a bad key, schedule, work or
 * option throws before anything is subscribed or stored.
 *
 * @example
 * ```ts
 * const job$ = createJob(context);
 * const subscription = job$('cleanup', { hours: 1 }).subscribe(() => cleanup());
 * subscription.unsubscribe(); // this instance leaves the job
 * ```
 */
export function createJob(context: ClusterContext): JobFactory {
  return function job$<T>(key: string, schedule: JobSchedule, workOrOptions?: unknown, lastOptions?: unknown): Observable<T | JobRun> {
    assertKey('key', key);
    const nextWait = toNextWaitInterval('schedule', schedule);
    let work: JobConfig<T>['work'];
    let options: unknown = lastOptions;
    if (typeof workOrOptions === 'function') {
      work = workOrOptions as JobConfig<T>['work'];
    } else if (isOptionsBag(workOrOptions) && lastOptions === undefined) {
      options = workOrOptions;
    } else if (workOrOptions !== undefined) {
      throw new TypeError(`Expected \`work\` to be a function, got ${describe(workOrOptions)}`);
    }
    const timing = leaseTiming(options as JobOptions | undefined);
    const config: JobConfig<T> = { key, nextWait, work, timing };
    return new ConsumerGuardedObservable<T | JobRun>((subscriber, takeConsumerError) =>
      runJobLoop(context, config, subscriber, takeConsumerError),
    );
  } as JobFactory;
}

function isOptionsBag(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
