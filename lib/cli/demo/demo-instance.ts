import { defer, filter, finalize, interval, map, Subscription, timer } from 'rxjs';
import type { Cluster } from '../../cluster.js';
import type { DemoEvent, DemoSettings } from './demo-event.js';

export type Report = (event: Omit<DemoEvent, 't' | 'instance'>) => void;

/**
 * What one instance of the demo runs: the `heartbeat` job$, the `leader` stream behind
 * withClusterLock, and a runner for once jobs. Returns the subscription that stops it all.
 *
 * @example
 * ```ts
 * const running = startDemoInstance(createCluster({ store }), DEFAULT_SETTINGS, report);
 * running.unsubscribe();
 * ```
 */
export function startDemoInstance(cluster: Cluster, settings: DemoSettings, report: Report): Subscription {
  const running = new Subscription();

  running.add(
    cluster
      .job$(
        'heartbeat',
        settings.jobInterval,
        (run) =>
          defer(() => {
            report({ kind: 'job-start', fence: run.fence });
            // a short piece of work, so that runs have a visible length
            return timer(150).pipe(finalize(() => report({ kind: 'job-end' })));
          }),
        { ttl: settings.jobTtl },
      )
      .subscribe(),
  );

  running.add(
    defer(() => {
      report({ kind: 'leader-start' });
      return interval(settings.leaderTick).pipe(finalize(() => report({ kind: 'leader-stop' })));
    })
      .pipe(cluster.withClusterLock('leader', { ttl: settings.leaderTtl }))
      .subscribe((tick) => report({ kind: 'leader-tick', text: `tick ${tick + 1}` })),
  );

  running.add(cluster.once.runs$.subscribe((run) => report({ kind: 'once-fired', key: run.key, attempt: run.attempt })));

  running.add(
    cluster.events$
      .pipe(
        filter((event) => event.type === 'lock-lost'),
        map((event) => event.key),
      )
      .subscribe((key) => report({ kind: 'lock-lost', key })),
  );

  return running;
}
