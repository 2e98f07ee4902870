import type { StoredOnceJob } from './store.js';

/** Orders anything with a key by key, as Redis orders members of equal score. */
export function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The order of `once.list()`: by runAt, then by key, so that paging is stable. */
export function compareJobs(a: StoredOnceJob, b: StoredOnceJob): number {
  return a.runAt - b.runAt || byKey(a, b);
}
