import type { ClusterStore, HeldLock } from '../stores/store.js';

/** What `rx-cluster status` reports about one namespace. */
export interface ClusterStatus {
  namespace: string;
  at: string;
  locks: HeldLock[];
  jobs: Array<{ key: string; lastFinished: string; nextDue: string | null; running: boolean; fence: number | null }>;
  once: { scheduled: number; claimed: number; nextDue: string | null };
}

/**
 * Reads the state of `namespace` from a store: held locks, recurring jobs, once jobs. It
 * scans keys: meant for operators, not for a hot path.
 *
 * @example
 * ```ts
 * const status = await readStatus(redisStore(client), 'my-plugin');
 * ```
 */
export async function readStatus(store: ClusterStore, namespace: string, now = Date.now()): Promise<ClusterStatus> {
  const [locks, recurring, jobLocks, counts, [next]] = await Promise.all([
    store.heldLocks(namespace),
    store.recurringJobs(namespace),
    store.heldLocks(`${namespace}:job`),
    store.onceCount(namespace),
    store.onceList(namespace, 1),
  ]);
  const running = new Map(jobLocks.map((lock) => [lock.key, lock]));
  return {
    namespace,
    at: new Date(now).toISOString(),
    locks,
    jobs: recurring.map(({ key, lastFinished, nextDue }) => ({
      key,
      lastFinished: new Date(lastFinished).toISOString(),
      nextDue: nextDue === null ? null : new Date(nextDue).toISOString(),
      running: running.has(key),
      fence: running.get(key)?.fence ?? null,
    })),
    once: { ...counts, nextDue: next ? new Date(next.runAt).toISOString() : null },
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const relative = (at: string, now: number) => {
  const ms = Date.parse(at) - now;
  return ms <= 0 ? 'due now' : `in ${seconds(ms)}`;
};

/** Lays rows out in aligned columns under a header. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd()).join('\n');
}

/**
 * Renders a status for a terminal.
 *
 * @example
 * ```ts
 * console.log(formatStatus(await readStatus(store, 'my-plugin')));
 * ```
 */
export function formatStatus(status: ClusterStatus, now = Date.parse(status.at)): string {
  const lines = [`Namespace ${status.namespace} at ${status.at}`, '', `Locks: ${status.locks.length} held`];
  if (status.locks.length) {
    lines.push(table(['KEY', 'FENCE', 'TIME LEFT'], status.locks.map((l) => [l.key, String(l.fence), seconds(l.ttlLeft)])));
  }
  lines.push('', `Recurring jobs: ${status.jobs.length}`);
  if (status.jobs.length) {
    lines.push(
      table(
        ['KEY', 'LAST FINISHED', 'AGO', 'NEXT DUE', 'NOW'],
        status.jobs.map((j) => [
          j.key,
          j.lastFinished,
          seconds(now - Date.parse(j.lastFinished)),
          j.nextDue === null ? 'unknown' : `${j.nextDue} (${relative(j.nextDue, now)})`,
          j.running ? `running (fence ${j.fence})` : 'idle',
        ]),
      ),
    );
  }
  const { scheduled, claimed, nextDue } = status.once;
  const due = nextDue ? `, next due ${nextDue} (${relative(nextDue, now)})` : '';
  lines.push('', `Once jobs: ${scheduled} scheduled, ${claimed} claimed${due}`);
  return lines.join('\n');
}
