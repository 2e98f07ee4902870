import { Observable, Subscription } from 'rxjs';
import type { LeaseEnd } from './lease.js';

/** What the gate needs of a held lease: to hear how it ends, and to let it go. */
export interface GateLease {
  /** Calls `listener` once when the lease is lost or released (at once if it already is). */
  onEnd(listener: (end: LeaseEnd) => void): () => void;
  /** Lets the lock go; never rejects. */
  release(): unknown;
}

/** What the gate does when the lease is lost: wait for the lock again and resubscribe, or error. */
export type OnLost = 'reacquire' | 'error';

/**
 * Mirrors `source` only while a lease is held: subscribes to `acquire()` for a lease, then to
 * `source`; on loss unsubscribes `source` at once and, by `onLost`, acquires again or errors
 * with the loss's error. The lease is let go before `source`'s completion or error is passed
 * on, and on unsubscribe. Completes when `closed` aborts. Pure RxJS: the lock itself is
 * `acquire`'s business, so the timing can be tested with marbles.
 *
 * @example
 * ```ts
 * lockGate(interval(1_000), () => waitForLease(context, target, timing), 'reacquire', context.closed);
 * ```
 */
export function lockGate<T>(
  source: Observable<T>,
  acquire: () => Observable<GateLease>,
  onLost: OnLost,
  closed: AbortSignal,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    // containers, so that what starts synchronously inside a callback can still be stopped
    let waiting: Subscription | null = null;
    let mirrored: Subscription | null = null;
    let lease: GateLease | null = null;
    let stopListening: (() => void) | null = null;

    const letGo = () => {
      const held = lease;
      lease = null;
      stopListening?.();
      held?.release();
    };

    const hold = () => {
      const attempt = (waiting = new Subscription());
      attempt.add(
        acquire().subscribe((won) => {
          attempt.unsubscribe();
          const mirror = (mirrored = new Subscription());
          lease = won;
          stopListening = won.onEnd((end) => {
            if (lease !== won) return;
            lease = null;
            mirror.unsubscribe();
            if (!end.lost) subscriber.complete();
            else if (onLost === 'error') subscriber.error(end.error);
            else hold();
          });
          if (lease !== won) return;
          mirror.add(
            source.subscribe({
              next: (value) => subscriber.next(value),
              error: (error: unknown) => {
                letGo();
                subscriber.error(error);
              },
              complete: () => {
                letGo();
                subscriber.complete();
              },
            }),
          );
        }),
      );
    };

    const onClose = () => {
      mirrored?.unsubscribe();
      letGo();
      subscriber.complete();
    };
    if (closed.aborted) {
      subscriber.complete();
      return;
    }
    closed.addEventListener('abort', onClose, { once: true });
    hold();

    return () => {
      closed.removeEventListener('abort', onClose);
      waiting?.unsubscribe();
      mirrored?.unsubscribe();
      letGo();
    };
  });
}
