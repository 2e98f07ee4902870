import { catchError, defer, EMPTY, finalize, mergeMap, Observable, tap, type ObservableInput } from 'rxjs';
import type { ClusterContext } from './context.js';
import { reportJobError } from './once-claims.js';
import type { OnceDelivery } from './once-delivery.js';
import type { OnceRun } from './once.js';

/**
 * `once.process$(work)`: runs `work` for every job delivered to this instance, concurrently
 * (the runner holds at most `MAX_IN_FLIGHT` claims, which bounds the works in flight), and
 * emits their values. A job stays claimed, its lease renewed, until its work completes; then
 * it is removed. A work that errors (or throws) is reported and its job removed; the stream
 * goes on. A work cut short — the subscriber unsubscribes, or the cluster closes — hands its
 * job back, to be delivered again (`attempt` + 1). Completes when the cluster closes.
 *
 * @example
 * ```ts
 * processOnce(context, deliveries$, (run) => from(sendEmail(run.props))).subscribe();
 * ```
 */
export function processOnce<T>(
  context: ClusterContext,
  deliveries$: Observable<OnceDelivery>,
  work: (run: OnceRun) => ObservableInput<T>,
): Observable<T> {
  const works$ = deliveries$.pipe(
    mergeMap((delivery) => {
      // taken at once: the runner acks a job nobody holds as soon as next returns
      const hold = delivery.hold();
      return defer(() => work(delivery.run)).pipe(
        catchError((error: unknown) => {
          reportJobError(context, delivery.run, error);
          return EMPTY;
        }),
        tap({ complete: hold.done }),
        finalize(hold.abandon),
      );
    }),
  );
  return new Observable<T>((subscriber) => {
    // the runner completes on close, but mergeMap would wait for the works in flight
    const onClose = () => subscriber.complete();
    context.closed.addEventListener('abort', onClose, { once: true });
    const subscription = works$.subscribe(subscriber);
    return () => {
      context.closed.removeEventListener('abort', onClose);
      subscription.unsubscribe();
    };
  });
}
