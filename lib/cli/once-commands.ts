import type { OnceJob } from '../once.js';
import { table } from './status.js';

/**
 * Renders once jobs for a terminal, or as JSON.
 *
 * @example
 * ```ts
 * console.log(formatOnceJobs(await once.list(), false));
 * ```
 */
export function formatOnceJobs(jobs: OnceJob[], json: boolean): string {
  if (json) return JSON.stringify(jobs.map((job) => ({ ...job, runAt: job.runAt.toISOString() })), null, 2);
  if (jobs.length === 0) return 'No once jobs scheduled.';
  const rows = jobs.map((job) => [job.key, job.runAt.toISOString(), JSON.stringify(job.props)]);
  return `${jobs.length} once job${jobs.length === 1 ? '' : 's'}\n${table(['KEY', 'RUN AT', 'PROPS'], rows)}`;
}
