import { from, Subscription, type ObservableInput, type Subscriber } from 'rxjs';
import { waitForLease, type LockTarget } from './acquire.js';
import type { TakeConsumerError } from './consumer-guard.js';
import { emit, reportStoreError, type ClusterContext } from './context.js';
import type { HeldLease, LeaseTiming } from './lease.js';
import type { JobRun } from './job.js';
import { dueIn, type NextWaitInterval } from './schedules.js';

/** A validated job, as `job$` hands it to the loop. */
export interface JobConfig<T> {
  key: string;
  nextWait: NextWaitInterval;
  work: ((run: JobRun) => ObservableInput<T>) | undefined;
  timing: LeaseTiming;
}

/** The longest delay a Node.js timer honours; longer waits are re-evaluated when it fires. */
const MAX_TIMER = 2 ** 31 - 1;

/**
 * One subscriber's part in a recurring job: wait, take the job's lock, read the cluster-wide
 * `lastFinished`, then either run (lock held until the run ends, `lastFinished` recorded
 * before it is let go) or let the lock go and sleep exactly until the schedule says the job
 * is due. A waiting instance is woken by the lock's release (through `waitForLease`) or by
 * its own due time, never by a poll. Returns the teardown.
 *
 * @example
 * ```ts
 * new ConsumerGuardedObservable((subscriber, take) => runJobLoop(context, config, subscriber, take));
 * ```
 */
export function runJobLoop<T>(
  context: ClusterContext,
  job: JobConfig<T>,
  subscriber: Subscriber<T | JobRun>,
  takeConsumerError: TakeConsumerError,
): () => void {
  const { store, scheduler, namespace } = context;
  const { key } = job;
  const target: LockTarget = { key, storeKey: key, storeNamespace: `${namespace}:job` };
  let stopped = false;
  let timer: Subscription | null = null;
  let waiting: Subscription | null = null;
  /** The lease while checking or running; null once handed to `record`, which lets it go. */
  let lease: HeldLease | null = null;
  let working: Subscription | null = null;
  /** The lease whose run is being recorded, and whether a write is on its way. */
  let recording: { lease: HeldLease; writing: boolean } | null = null;
  let readFailures = 0;

  const wake = (delay: number) => {
    if (stopped) return;
    timer = scheduler.schedule(acquire, Math.min(delay, MAX_TIMER));
  };
  const letGo = (held: HeldLease) => {
    if (lease === held) lease = null;
    void held.release();
  };
  const fail = (error: unknown) => {
    if (lease) letGo(lease);
    subscriber.error(error);
  };
  const reportRunError = (error: unknown, fence: number) => {
    context.logger.error(`rx-cluster: a run of job \`${key}\` failed; the job goes on`, { namespace, key, error });
    emit(context, 'job-error', key, { fence, error });
  };
  const deliver = (value: T | JobRun, fence: number) => {
    subscriber.next(value);
    const failure = takeConsumerError();
    if (failure && 'pending' in failure) failure.pending.then(undefined, (error: unknown) => reportRunError(error, fence));
    else if (failure) reportRunError(failure.error, fence);
  };
  function acquire(): void {
    timer = null;
    waiting = waitForLease(context, target, job.timing).subscribe((won) => {
      waiting = null;
      check(won);
    });
  }

  function check(won: HeldLease): void {
    lease = won;
    won.onEnd((end) => {
      if (!end.lost || lease !== won) return;
      lease = null;
      if (working) {
        working.unsubscribe();
        working = null;
        reportRunError(end.error, won.fence);
      }
      wake(0);
    });
    store.getLastFinished(namespace, key).then(
      (lastFinished) => {
        if (lease !== won) return;
        readFailures = 0;
        let wait: number;
        try {
          wait = dueIn(job.nextWait, key, scheduler.now(), lastFinished);
        } catch (error) {
          return fail(error);
        }
        if (wait > 0) {
          letGo(won);
          return wake(wait);
        }
        run(won, lastFinished);
      },
      (error: unknown) => {
        if (lease !== won) return;
        readFailures += 1;
        const retryIn = reportStoreError(context, 'getLastFinished', key, error, readFailures);
        letGo(won);
        wake(retryIn);
      },
    );
  }

  function run(won: HeldLease, lastFinished: number | null): void {
    const runInfo: JobRun = {
      key,
      startedAt: new Date(scheduler.now()),
      lastFinished: lastFinished === null ? null : new Date(lastFinished),
      fence: won.fence,
      signal: won.signal,
    };
    emit(context, 'job-run', key, { fence: won.fence });
    if (!job.work) {
      // a subscriber that unsubscribes inside next still ran the job: it is recorded all the same
      lease = null;
      deliver(runInfo, won.fence);
      return record(won, scheduler.now());
    }
    let ended = false;
    // a container first, so that a teardown during work's synchronous start still stops it
    const running = new Subscription();
    working = running;
    const end = (error?: { error: unknown }) => {
      if (ended) return;
      ended = true;
      if (working === running) working = null;
      if (error) reportRunError(error.error, won.fence);
      if (lease !== won) return;
      lease = null;
      record(won, scheduler.now());
    };
    try {
      running.add(
        from(job.work(runInfo)).subscribe({
          next: (value) => deliver(value, won.fence),
          error: (error: unknown) => end({ error }),
          complete: () => end(),
        }),
      );
    } catch (error) {
      end({ error });
    }
  }

  /** Writes `lastFinished` while the lock is still held, then lets it go and sleeps until due. */
  function record(won: HeldLease, finishedAt: number, failures = 0): void {
    timer = null;
    if (won.isOver) {
      // lost before this write or its retry: another instance may have run and recorded a
      // later lastFinished since, so writing this older one could make the job run early
      recording = null;
      void won.release();
      return wake(0);
    }
    const current: { lease: HeldLease; writing: boolean } = { lease: won, writing: true };
    recording = current;
    store.setLastFinished(namespace, key, finishedAt, nextDueAt(finishedAt)).then(
      () => {
        recording = null;
        void won.release();
        if (stopped) return;
        let wait: number;
        try {
          wait = dueIn(job.nextWait, key, scheduler.now(), finishedAt);
        } catch (error) {
          return fail(error);
        }
        wake(wait);
      },
      (error: unknown) => {
        const retryIn = reportStoreError(context, 'setLastFinished', key, error, failures + 1);
        if (stopped) {
          recording = null;
          void won.release();
          return;
        }
        // the retry checks the lease first: one lost meanwhile is given up, not written over
        current.writing = false;
        timer = scheduler.schedule(() => record(won, finishedAt, failures + 1), retryIn);
      },
    );
  }

  /** When the schedule says the job is next due, for operators (`rx-cluster status`); null if it throws. */
  function nextDueAt(finishedAt: number): number | null {
    try {
      return scheduler.now() + dueIn(job.nextWait, key, scheduler.now(), finishedAt);
    } catch {
      return null;
    }
  }

  const onClose = () => subscriber.complete();
  if (context.closed.aborted) {
    subscriber.complete();
    return () => undefined;
  }
  context.closed.addEventListener('abort', onClose, { once: true });
  acquire();

  return () => {
    stopped = true;
    context.closed.removeEventListener('abort', onClose);
    timer?.unsubscribe();
    waiting?.unsubscribe();
    working?.unsubscribe();
    working = null;
    if (lease) letGo(lease);
    // a write on its way lets its lease go when it lands, so the run is recorded first
    if (recording && !recording.writing) void recording.lease.release();
  };
}
