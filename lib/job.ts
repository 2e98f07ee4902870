import type { Observable, ObservableInput } from 'rxjs';
import type { ClusterContext } from './context.js';

/** The cluster-wide state of a recurring job, as schedules see it. */
export interface JobMetadata {
  lastFinished: Date | null;
}

/** Ms to wait before the next run (0 = now), from the time now and the job's metadata. */
export type NextWaitInterval = (now: Date, metadata: JobMetadata) => number;

/** One run of a recurring job. */
export interface JobRun {
  key: string;
  startedAt: Date;
  lastFinished: Date | null;
  fence: number;
  signal: AbortSignal;
}

/** Builds `cluster.job$`. */
export function createJob(context: ClusterContext) {
  void context;
  function job$(key: string, schedule: unknown): Observable<JobRun>;
  function job$<T>(key: string, schedule: unknown, work: (run: JobRun) => ObservableInput<T>): Observable<T>;
  function job$(): Observable<unknown> {
    throw new Error('job$ is not implemented yet');
  }
  return job$;
}
