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
 * than it can hold), renews the leases of jobs whose work is still running with ONE timer every
 * `claimTtl / 3` for all of them, acks jobs when their handlers are done and hands back jobs
 * whose handlers abandoned them. Acks, renewals and hand-backs issued in one tick reach Redis
 * as one pipeline.
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

  constructor(
    private readonly context: ClusterContext,
    private readonly timing: OnceTiming,
  ) {
    context.closed.addEventListener('abort', () => this.stopRenewing(), { once: true });
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
    this.armRenewal();
  }

  private armRenewal(): void {
    if (this.renewTimer || this.renewing.size === 0 || this.context.closed.aborted) return;
    this.renewTimer = this.context.scheduler.schedule(() => this.renew(), this.timing.claimTtl / 3);
  }

  private renew(): void {
    this.renewTimer = null;
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
    this.armRenewal();
  }

  private stopRenewing(): void {
    this.renewTimer?.unsubscribe();
    this.renewTimer = null;
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
          scheduler.schedule(() => this.ack(delivery, failures + 1), retryIn);
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
    this.listener?.(handedBack);
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
