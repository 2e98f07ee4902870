import type { Subscription } from 'rxjs';
import type { Cluster } from '../lib/cluster.js';
import type { ClusterEvent } from '../lib/events.js';
import type { OnceRun } from '../lib/once.js';

/** A run as a test saw it: which instance got it, and when (Date.now()). */
export interface Seen extends OnceRun {
  by: string;
  at: number;
}

/**
 * Subscribes to `cluster.once.runs$` and appends every run to `into`, labelled `by`.
 *
 * @example
 * ```ts
 * const seen: Seen[] = [];
 * record(a, 'a', seen);
 * ```
 */
export function record(cluster: Cluster, by: string, into: Seen[]): Subscription {
  return cluster.once.runs$.subscribe((run) => into.push({ ...run, by, at: Date.now() }));
}

/** How many times each key was seen. */
export function timesSeen(seen: Array<{ key: string }>): Map<string, number> {
  const times = new Map<string, number>();
  for (const { key } of seen) times.set(key, (times.get(key) ?? 0) + 1);
  return times;
}

/** Keys seen more than once. */
export function duplicates(seen: Array<{ key: string }>): string[] {
  return [...timesSeen(seen)].filter(([, times]) => times > 1).map(([key]) => key);
}

/** Collects the events of `cluster` of one type. */
export function eventsOf(cluster: Cluster, type: ClusterEvent['type']): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  cluster.events$.subscribe((event) => event.type === type && events.push(event));
  return events;
}
