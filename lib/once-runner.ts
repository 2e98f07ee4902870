import { Observable, type Subscription } from 'rxjs';
import { emit, reportStoreError, type ClusterContext } from './context.js';
import { reportJobError, type OnceClaims, type OnceTiming } from './once-claims.js';
import type { OnceDelivery } from './once-delivery.js';
import { decodeProps } from './once-props.js';
import { StoreClock, timerDelay } from './once-timing.js';
import type { ClaimedOnceJob, OnceClaim } from './stores/store.js';

/**
 * Most jobs one claim takes. 100 keeps one claim script to about a millisecond of Redis
 * time, so other clients are not held up, and lets a burst spread over every instance (each
 * takes a batch in turn); after a full batch the next claim is sent before the batch is
 * delivered, so a backlog drains at round-trip speed, not at one batch per timer.
 */
export const CLAIM_BATCH = 100;

/**
 * Most claimed jobs one instance holds at once (delivered, not yet acked). It bounds the
 * memory and the `process$` works in flight (at most 1,000 × 10 KB of props); beyond it the
 * runner claims no more until works complete, and the other instances take the rest.
 */
export const MAX_IN_FLIGHT = 1_000;

/**
 * The runner of one instance, cold: subscribing starts it, unsubscribing stops it (share it).
 * It claims due jobs in batches and emits each as an `OnceDelivery`, then releases its own
 * hold, so a job whose subscribers' `next` returned is acked at once.
 *
 * It keeps ONE timer, armed after each claim for the store's `nextDueIn` (converted to this
 * instance's clock, see `StoreClock`) but never longer than `pollInterval`, the safety net.
 * Every job added anywhere is announced with its runAt: an earlier one re-arms the timer, with
 * no round trip. Jobs it claims once it is stopped are handed back. Store failures are
 * reported and retried with back-off; the stream never errors. It completes when the cluster
 * closes.
 *
 * @example
 * ```ts
 * const deliveries$ = onceRunner(context, timing, claims).pipe(share());
 * ```
 */
export function onceRunner(context: ClusterContext, timing: OnceTiming, claims: OnceClaims): Observable<OnceDelivery> {
  const { store, namespace, scheduler } = context;
  return new Observable<OnceDelivery>((subscriber) => {
    if (context.closed.aborted) {
      subscriber.complete();
      return undefined;
    }
    const clock = new StoreClock();
    let stopped = false;
    let inFlight = false;
    let again = false;
    let blocked = false;
    let failures = 0;
    let timer: Subscription | null = null;
    /** Local time the timer fires at; Infinity when none is armed. */
    let armedAt = Infinity;
    /** The earliest runAt announced while a claim was in flight (local time). */
    let wantedAt = Infinity;

    const arm = (at: number, delay = timerDelay(at, scheduler.now(), timing.pollInterval)) => {
      timer?.unsubscribe();
      armedAt = scheduler.now() + delay;
      wantedAt = Infinity;
      timer = scheduler.schedule(claim, delay);
    };

    const wake = (at: number) => {
      if (stopped || failures > 0) return;
      if (inFlight || blocked) wantedAt = Math.min(wantedAt, at);
      else if (at < armedAt) arm(at);
    };

    /** Claims due jobs now, keeping room for `reserved` jobs about to be delivered. */
    function claim(reserved = 0): void {
      if (stopped) return;
      if (inFlight) {
        again = true;
        return;
      }
      const limit = Math.min(CLAIM_BATCH, MAX_IN_FLIGHT - claims.inFlight - reserved);
      blocked = limit <= 0;
      if (blocked) return; // claims.listener claims again when works settle
      timer?.unsubscribe();
      timer = null;
      armedAt = Infinity;
      inFlight = true;
      again = false;
      const sentAt = scheduler.now();
      // a token per claim, not per runner: acks and renewals of this claim must not touch a
      // later claim of the same key (cancelled and scheduled again) by this same runner
      const claimant = context.newToken();
      store.onceClaim(namespace, claimant, timing.claimTtl, limit).then(
        (result) => claimed(result, claimant, sentAt, limit),
        (error: unknown) => failed(error),
      );
    }

    function claimed(result: OnceClaim, claimant: string, sentAt: number, limit: number): void {
      inFlight = false;
      failures = 0;
      clock.observe(result.now, sentAt, scheduler.now());
      // a full batch (a bucketed store may return up to buckets - 1 jobs more than `limit`)
      // means a backlog: ask for the next one first, so that the store claims it while this
      // one is delivered
      const full = result.jobs.length >= limit;
      if (full) claim(result.jobs.length);
      for (const job of result.jobs) deliver(job, claimant, sentAt);
      if (stopped || full) return;
      if (again) return claim();
      const dueAt = result.nextDueIn === null ? Infinity : clock.toLocal(result.now + result.nextDueIn);
      arm(Math.min(dueAt, wantedAt));
    }

    function failed(error: unknown): void {
      inFlight = false;
      if (stopped) return;
      failures += 1;
      arm(-Infinity, reportStoreError(context, 'onceClaim', '', error, failures));
    }

    function deliver(job: ClaimedOnceJob, claimant: string, sentAt: number): void {
      const { key, attempt } = job;
      let props: unknown;
      try {
        props = decodeProps(job.props);
      } catch (error) {
        // written by something else than schedule(): it can never be delivered, so remove it
        reportJobError(context, job, error);
        claims.track({ key, runAt: new Date(job.runAt), props: null, attempt }, claimant, sentAt).release();
        return;
      }
      const delivery = claims.track({ key, runAt: new Date(job.runAt), props, attempt }, claimant, sentAt);
      if (stopped || subscriber.closed) return delivery.release(true);
      if (scheduler.now() >= sentAt + timing.claimTtl) {
        // earlier handlers of this batch took longer than the lease: another runner may have it now
        delivery.lost = true;
        context.logger.warn?.('rx-cluster: a claimed once job waited longer than claimTtl; it is left for redelivery', {
          namespace,
          key,
        });
        return delivery.release(true);
      }
      emit(context, 'once-fired', key, { attempt });
      subscriber.next(delivery);
      delivery.release();
      if (delivery.held) claims.keepAlive(delivery);
    }

    const kick = (handedBack: boolean) => {
      if (blocked) claim();
      else if (handedBack) wake(scheduler.now());
    };
    claims.listener = kick;

    let listening = false;
    // subscribe first, THEN claim: a job added in between is announced, never missed
    const notices = store.onceAdded(namespace).subscribe((notice) => {
      if (notice !== 'listening') return wake(clock.toLocal(notice));
      listening = true;
      claim();
    });
    // without a live notification channel the poll still finds every job
    if (!listening) claim();

    const onClose = () => subscriber.complete();
    context.closed.addEventListener('abort', onClose, { once: true });
    return () => {
      stopped = true;
      timer?.unsubscribe();
      notices.unsubscribe();
      context.closed.removeEventListener('abort', onClose);
      if (claims.listener === kick) claims.listener = null;
    };
  });
}
