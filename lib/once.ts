import type { Observable, ObservableInput } from 'rxjs';
import type { ClusterContext } from './context.js';

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

/** A scheduled run-once job. */
export interface OnceJob {
  key: string;
  runAt: Date;
  props: unknown;
}

/** A due job delivered to a runner; `attempt` is 1 on first delivery. */
export interface OnceRun extends OnceJob {
  attempt: number;
}

/** The run-once scheduler of one cluster. */
export interface OnceScheduler {
  schedule(key: string, runAt: Date | number, props?: unknown): Promise<OnceJob>;
  cancel(key: string): Promise<boolean>;
  list(): Promise<OnceJob[]>;
  get(key: string): Promise<OnceJob | null>;
  readonly runs$: Observable<OnceRun>;
  process$<T>(work: (run: OnceRun) => ObservableInput<T>): Observable<T>;
}

/** Builds `cluster.once`. */
export function createOnceScheduler(context: ClusterContext, options: OnceOptions | undefined): OnceScheduler {
  void context;
  void options;
  const missing = (): never => {
    throw new Error('once is not implemented yet');
  };
  return {
    schedule: missing,
    cancel: missing,
    list: missing,
    get: missing,
    get runs$(): Observable<OnceRun> {
      return missing();
    },
    process$: missing,
  };
}
