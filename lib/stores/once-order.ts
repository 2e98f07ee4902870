import type { StoredOnceJob } from './store.js';

/** The order of `once.list()`: by runAt, then by key, so that paging is stable. */
export function compareJobs(a: StoredOnceJob, b: StoredOnceJob): number {
  return a.runAt - b.runAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
