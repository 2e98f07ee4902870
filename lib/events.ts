/** What `events$` reports. */
export type ClusterEventType =
  | 'lock-acquired'
  | 'lock-released'
  | 'lock-lost'
  | 'job-run'
  | 'job-error'
  | 'once-fired'
  | 'store-error';

/**
 * One thing that happened on this instance. `store-error` events carry the failed
 * `operation` and `retryIn` (ms): the back-off in force.
 *
 * @example
 * ```ts
 * events$.pipe(filter((e) => e.type === 'lock-lost')).subscribe((e) => alert(e.key));
 * ```
 */
export interface ClusterEvent {
  type: ClusterEventType;
  /** The lock, job or once key; `''` for events about the whole instance. */
  key: string;
  at: Date;
  fence?: number;
  attempt?: number;
  operation?: string;
  retryIn?: number;
  error?: unknown;
}
