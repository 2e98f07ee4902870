import { map, share, type Observable, type ObservableInput } from 'rxjs';
import type { ClusterContext } from './context.js';
import { JobExistsError } from './errors.js';
import { OnceClaims, type OnceTiming } from './once-claims.js';
import { processOnce } from './once-process.js';
import { decodeProps, encodeProps } from './once-props.js';
import { onceRunner } from './once-runner.js';
import type { StoredOnceJob } from './stores/store.js';
import { assertFunction, assertKey, assertOptions, assertPositiveMs, describe } from './validate.js';

/** Options of the run-once scheduler, given to `createCluster({ once })`. */
export interface OnceOptions {
  /**
   * Ms a claimed job waits for its runner before it is delivered again.
   * @default 30_000
   */
  claimTtl?: number;
  /**
   * Ms between safety-net polls; changes are pushed, not polled.
   * @default 5_000
   */
  pollInterval?: number;
}

/** A scheduled run-once job. `props` is what was scheduled, through JSON (`null` if none). */
export interface OnceJob {
  key: string;
  runAt: Date;
  props: unknown;
}

/** A due job delivered to a runner; `attempt` is 1 on first delivery. */
export interface OnceRun extends OnceJob {
  attempt: number;
}

/**
 * The run-once scheduler of one cluster: jobs persisted in the store, each delivered once
 * its `runAt` has come, to exactly one subscribed instance (at-least-once if it dies).
 *
 * @example
 * ```ts
 * once.runs$.subscribe(({ key, props }) => remind(props));
 * await once.schedule('remind-42', addHours(new Date(), 2), { userId: 42 });
 * ```
 */
export interface OnceScheduler {
  /**
   * Stores a job for the whole cluster. Rejects with `JobExistsError` if `key` is scheduled.
   * A bad key, date or props throws `TypeError` / `RangeError` at once; nothing is stored.
   *
   * @example
   * ```ts
   * await once.schedule('remind-42', Date.now() + 60_000, { userId: 42 });
   * ```
   */
  schedule(key: string, runAt: Date | number, props?: unknown): Promise<OnceJob>;
  /**
   * Removes the job cluster-wide; true if it was scheduled. It never fires afterwards.
   *
   * @example
   * ```ts
   * await once.cancel('remind-42');
   * ```
   */
  cancel(key: string): Promise<boolean>;
  /**
   * Every scheduled job (claimed ones too, until acked), ordered by `runAt`, then key.
   *
   * @example
   * ```ts
   * const pending = await once.list();
   * ```
   */
  list(): Promise<OnceJob[]>;
  /**
   * The scheduled job `key`, or null.
   *
   * @example
   * ```ts
   * const job = await once.get('remind-42');
   * ```
   */
  get(key: string): Promise<OnceJob | null>;
  /** Every job delivered to this instance; subscribing runs this instance's runner. */
  readonly runs$: Observable<OnceRun>;
  /**
   * `runs$` for asynchronous handlers: a job is removed when its work completes.
   *
   * @example
   * ```ts
   * once.process$((run) => from(sendEmail(run.props))).subscribe();
   * ```
   */
  process$<T>(work: (run: OnceRun) => ObservableInput<T>): Observable<T>;
}

/** Jobs fetched per store call by `list()`. */
const LIST_PAGE = 1_000;
/** The longest delay a Node.js timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Builds `cluster.once`: one runner per cluster, shared by every `runs$` and `process$`
 * subscriber of this instance, started by the first and stopped by the last.
 *
 * @example
 * ```ts
 * const once = createOnceScheduler(context, { claimTtl: 60_000 });
 * ```
 */
export function createOnceScheduler(context: ClusterContext, options: OnceOptions | undefined): OnceScheduler {
  const timing = onceTiming(options);
  const { store, namespace } = context;
  const deliveries$ = onceRunner(context, timing, new OnceClaims(context, timing)).pipe(share());
  const toJob = (job: StoredOnceJob): OnceJob => ({ key: job.key, runAt: new Date(job.runAt), props: decodeProps(job.props) });

  return {
    schedule(key, runAt, props) {
      assertKey('key', key);
      const at = epochMs(runAt);
      const json = encodeProps(props);
      return store.onceAdd(namespace, { key, runAt: at, props: json }).then((added) => {
        if (!added) throw new JobExistsError(key);
        return { key, runAt: new Date(at), props: decodeProps(json) };
      });
    },

    cancel(key) {
      assertKey('key', key);
      return store.onceCancel(namespace, key);
    },

    async list() {
      const jobs: OnceJob[] = [];
      let after: StoredOnceJob | undefined;
      // ends: each page starts strictly after the last one, and there are finitely many jobs
      for (;;) {
        const page = await store.onceList(namespace, LIST_PAGE, after);
        for (const job of page) jobs.push(toJob(job));
        if (page.length < LIST_PAGE) return jobs;
        after = page[page.length - 1];
      }
    },

    get(key) {
      assertKey('key', key);
      return store.onceGet(namespace, key).then((job) => (job ? toJob(job) : null));
    },

    runs$: deliveries$.pipe(map((delivery) => delivery.run)),

    process$<T>(work: (run: OnceRun) => ObservableInput<T>) {
      assertFunction('work', work);
      return processOnce(context, deliveries$, work);
    },
  };
}

/** Checks `createCluster({ once })` and fills in the defaults. */
function onceTiming(options: OnceOptions | undefined): OnceTiming {
  assertOptions('once', options);
  const claimTtl = options?.claimTtl ?? 30_000;
  const pollInterval = options?.pollInterval ?? 5_000;
  assertTimerMs('once.claimTtl', claimTtl);
  assertTimerMs('once.pollInterval', pollInterval);
  return { claimTtl, pollInterval };
}

function assertTimerMs(name: string, value: unknown): asserts value is number {
  assertPositiveMs(name, value);
  if (value > MAX_TIMER_MS) {
    throw new RangeError(`Expected \`${name}\` to be at most ${MAX_TIMER_MS} ms, got ${describe(value)}`);
  }
}

/** A `runAt` as epoch ms, or a TypeError / RangeError naming it. */
function epochMs(runAt: unknown): number {
  if (!(runAt instanceof Date) && typeof runAt !== 'number') {
    throw new TypeError(`Expected \`runAt\` to be a Date or epoch milliseconds, got ${describe(runAt)}`);
  }
  // through Date: fractions of a ms are dropped and the Date range is enforced, as for a Date
  const at = new Date(runAt instanceof Date ? runAt.getTime() : runAt).getTime();
  if (Number.isNaN(at)) throw new RangeError(`Expected \`runAt\` to be a valid date, got ${describe(runAt)}`);
  return at;
}
