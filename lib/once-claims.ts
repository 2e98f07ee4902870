import type { Subscription } from 'rxjs';
import { emit, reportStoreError, type ClusterContext } from './context.js';
import { OnceDelivery } from './once-delivery.js';
import type { OnceRun } from './once.js';

/** The checked `once` options. */
export interface OnceTiming {
  claimTtl: number;
  pollInterval: number;
}

/** Lease, in ms, left on a job handed back: it is due again at once, for any runner. */
const HAND_BACK_TTL = 1;

/**
 * The claims this instance holds, from claim to ack: it counts them (the runner claims no more
 * than it can hold), renews the leases of jobs whose work is still running with ONE timer for
 * all of them (every `claimTtl / 3`, sooner for a job whose lease needs it), acks jobs when
 * their handlers are done and hands back jobs whose handlers abandoned them. Acks, renewals
 * and hand-backs issued in one tick reach Redis as one pipeline.
 *
 * @example
 * ```ts
 * const claims = new OnceClaims(context, { claimTtl: 30_000, pollInterval: 5_000 });
 * const delivery = claims.track(run, claimant, sentAt);
 * subscriber.next(delivery);
 * delivery.release(); // acked unless a process$ still holds it
 * ```
 */
export class OnceClaims {
  /** Told when a claim is settled; `handedBack` when the job is due again. Set by the runner. */
  listener: ((handedBack: boolean) => void) | null = null;
  private unsettled = 0;
  private readonly renewing = new Set<OnceDelivery>();
  private renewTimer: Subscription | null = null;
  /** Local time the renewal timer fires at; Infinity when none is armed. */
  private renewAt = Infinity;
  /** Timers of acks waiting to be retried after a store failure. */
  private readonly ackRetries = new Set<Subscription>();

  constructor(
    private readonly context: ClusterContext,
    private readonly timing: OnceTiming,
  ) {
    context.closed.addEventListener('abort', () => this.close(), { once: true });
  }

  /** Claims taken and not yet settled (acked, handed back or given up). */
  get inFlight(): number {
    return this.unsettled;
  }

  /**
   * Starts following a claimed job; the runner then delivers it and releases its own hold.
   *
   * @example
   * ```ts
   * const delivery = claims.track(run, claimant, sentAt);
   * ```
   */
  track(run: OnceRun, claimant: string, claimSentAt: number): OnceDelivery {
    this.unsettled += 1;
    return new OnceDelivery(run, claimant, claimSentAt, (delivery, abandoned) => {
      this.renewing.delete(delivery);
      if (this.renewing.size === 0) this.stopRenewing();
      if (delivery.lost) this.settle(false);
      else if (abandoned) this.handBack(delivery);
      else this.ack(delivery, 0);
    });
  }

  /**
   * Keeps renewing the lease of a delivered job that a `process$` still works on.
   *
   * @example
   * ```ts
   * delivery.release();
   * if (delivery.held) claims.keepAlive(delivery);
   * ```
   */
  keepAlive(delivery: OnceDelivery): void {
    this.renewing.add(delivery);
    // a job delivered late in its batch (earlier handlers were slow) has less of its lease
    // left than claimTtl: its first renewal may be due before the armed one
    this.armRenewal(delivery.leaseFrom + this.timing.claimTtl / 3);
  }

  /** Arms the renewal timer for local time `at` (now if past), unless it fires earlier already. */
  private armRenewal(at: number): void {
    if (at >= this.renewAt || this.renewing.size === 0 || this.context.closed.aborted) return;
    const { scheduler } = this.context;
    this.renewTimer?.unsubscribe();
    const now = scheduler.now();
    this.renewAt = Math.max(at, now);
    this.renewTimer = scheduler.schedule(() => this.renew(), this.renewAt - now);
  }

  private renew(): void {
    this.renewTimer = null;
    this.renewAt = Infinity;
    const { store, namespace, scheduler } = this.context;
    const sentAt = scheduler.now();
    for (const delivery of this.renewing) {
      const { key } = delivery.run;
      store.onceExtendClaim(namespace, key, delivery.claimant, this.timing.claimTtl).then(
        (extended) => {
          if (extended) delivery.leaseFrom = Math.max(delivery.leaseFrom, sentAt);
          else if (this.renewing.delete(delivery)) {
            delivery.lost = true;
            this.context.logger.warn?.('rx-cluster: a once job was cancelled, or its claim ran out, while its work ran', {
              namespace,
              key,
            });
          }
        },
        // the next round retries, two of them before the lease can run out
        (error: unknown) => reportClaimError(this.context, 'onceExtendClaim', key, error),
      );
    }
    // every lease was just renewed from sentAt (a failed renewal is retried by this round too)
    this.armRenewal(sentAt + this.timing.claimTtl / 3);
  }

  private stopRenewing(): void {
    this.renewTimer?.unsubscribe();
    this.renewTimer = null;
    this.renewAt = Infinity;
  }

  /** On cluster close: no more renewals, and acks waiting for a retry give up (the lease expires). */
  private close(): void {
    this.stopRenewing();
    for (const retry of this.ackRetries) {
      retry.unsubscribe();
      this.settle(false);
    }
    this.ackRetries.clear();
  }

  private ack(delivery: OnceDelivery, failures: number): void {
    const { store, namespace, scheduler } = this.context;
    const { key } = delivery.run;
    store.onceAck(namespace, key, delivery.claimant).then(
      (acked) => {
        if (!acked) {
          this.context.logger.warn?.('rx-cluster: a once job was cancelled, or its claim ran out, before it was acked', {
            namespace,
            key,
          });
        }
        this.settle(false);
      },
      (error: unknown) => {
        const retryIn = reportStoreError(this.context, 'onceAck', key, error, failures + 1);
        // once the lease has run out the job is delivered again anyway: at-least-once
        if (this.context.closed.aborted || scheduler.now() + retryIn >= delivery.leaseFrom + this.timing.claimTtl) {
          this.settle(false);
        } else {
          // tracked, so that close() cancels it instead of the timer keeping the process alive
          const retry = scheduler.schedule(() => {
            this.ackRetries.delete(retry);
            this.ack(delivery, failures + 1);
          }, retryIn);
          this.ackRetries.add(retry);
        }
      },
    );
  }

  private handBack(delivery: OnceDelivery): void {
    const { key } = delivery.run;
    this.context.store.onceExtendClaim(this.context.namespace, key, delivery.claimant, HAND_BACK_TTL).then(
      () => this.settle(true),
      (error: unknown) => {
        reportClaimError(this.context, 'onceExtendClaim', key, error);
        this.settle(false);
      },
    );
  }

  private settle(handedBack: boolean): void {
    this.unsettled -= 1;
    // after close the runner claims nothing more, whatever settles
    if (!this.context.closed.aborted) this.listener?.(handedBack);
  }
}

/**
 * Reports a failed job: `job-error` on `events$` and the logger. The job is then removed,
 * as a failed Mattermost callback's job is.
 *
 * @example
 * ```ts
 * reportJobError(context, run, new Error('SMTP down'));
 * ```
 */
export function reportJobError(context: ClusterContext, run: Pick<OnceRun, 'key' | 'attempt'>, error: unknown): void {
  context.logger.error('rx-cluster: once job failed; it is removed', {
    namespace: context.namespace,
    key: run.key,
    attempt: run.attempt,
    error,
  });
  emit(context, 'job-error', run.key, { attempt: run.attempt, error });
}

// A claim operation that is not retried on its own: the lease running out is the fallback.
function reportClaimError(context: ClusterContext, operation: string, key: string, error: unknown): void {
  context.logger.error(`rx-cluster: store ${operation} failed`, { namespace: context.namespace, key, error });
  emit(context, 'store-error', key, { operation, error });
}
