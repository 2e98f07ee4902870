import type { Subscription } from 'rxjs';
import { emit, track, type ClusterContext } from './context.js';
import { LockLostError } from './errors.js';

/**
 * A held lock, as `lock()`, `lock$()` and `runExclusive()` hand it out.
 *
 * @example
 * ```ts
 * const lease = await mutex('ledger').lock();
 * await ledger.write(entry, { fence: lease.fence, signal: lease.signal });
 * ```
 */
export interface Lease {
  readonly key: string;
  /** A fencing token: it strictly increases with every acquisition of this key in the cluster. */
  readonly fence: number;
  /** Aborts when the lease is lost (reason: `LockLostError`) or released. */
  readonly signal: AbortSignal;
}

/** How a lease ended: released by its holder, or lost with the error saying why. */
export type LeaseEnd = { lost: false } | { lost: true; error: LockLostError };

/** The lease timings, validated by the caller. */
export interface LeaseTiming {
  ttl: number;
  refreshInterval: number;
}

/**
 * A lease this instance holds: it refreshes the lock every `refreshInterval` and declares
 * the lease lost the moment a refresh finds the lock gone or taken, or when no refresh
 * succeeded before the lock's deadline (measured from when each request was sent, so a slow
 * reply can only shorten it).
 */
export class HeldLease implements Lease {
  /** Made when `signal` is first read: most leases are released without anyone reading it. */
  private controller: AbortController | null = null;
  private readonly endListeners = new Set<(end: LeaseEnd) => void>();
  /** Cancels the next refresh: a place on the Cluster's refresh wheel, or a retry timer. */
  private cancelRefresh: (() => void) | null = null;
  /** Armed only while a refresh is needed: from the first refresh attempt until one succeeds. */
  private expiryTimer: Subscription | null = null;
  private deadline: number;
  private ended: LeaseEnd | null = null;
  private released: Promise<void> | null = null;

  constructor(
    private readonly context: ClusterContext,
    readonly key: string,
    /** The namespace-relative store key: the Mutex key, or a job's lock key. */
    private readonly storeKey: string,
    private readonly storeNamespace: string,
    private readonly owner: string,
    readonly fence: number,
    private readonly timing: LeaseTiming,
    sentAt: number,
  ) {
    context.leases.add(this);
    this.deadline = sentAt + timing.ttl;
    this.scheduleRefresh(timing.refreshInterval);
    emit(context, 'lock-acquired', key, { fence });
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(this.ended.lost ? this.ended.error : undefined);
    }
    return this.controller.signal;
  }

  /** True once the lease is released or lost. */
  get isOver(): boolean {
    return this.ended !== null;
  }

  /** Calls `listener` once, when the lease is released or lost (at once if it already is). */
  onEnd(listener: (end: LeaseEnd) => void): () => void {
    if (this.ended) {
      listener(this.ended);
      return () => undefined;
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /**
   * Stops refreshing and deletes the lock if this lease still holds it. A store failure is
   * logged and swallowed: the lock then expires after its ttl. Calling it again is harmless.
   */
  release(): Promise<void> {
    if (this.released) return this.released;
    const wasLost = this.ended?.lost === true;
    this.end({ lost: false });
    this.released = wasLost
      ? Promise.resolve()
      : track(this.context, this.context.store.release(this.storeNamespace, this.storeKey, this.owner)).then(
          (held) => {
            if (held) return emit(this.context, 'lock-released', this.key, { fence: this.fence });
            // it expired, or another owner has it: the holder's work may have overlapped another's
            this.reportLoss('the lock had expired or was taken by another owner when it was released');
          },
          (error: unknown) => {
            this.context.logger.error('rx-cluster: releasing a lock failed; it expires after its ttl', {
              namespace: this.context.namespace,
              key: this.key,
              error,
            });
            emit(this.context, 'store-error', this.key, { operation: 'release', error });
          },
        );
    return this.released;
  }

  private scheduleRefresh(delay: number): void {
    this.cancelRefresh?.();
    this.cancelRefresh = this.context.refreshes.at(() => this.refresh(), this.context.scheduler.now() + delay);
  }

  private armExpiry(): void {
    if (this.expiryTimer) return;
    const left = Math.max(0, this.deadline - this.context.scheduler.now());
    this.expiryTimer = this.context.scheduler.schedule(() => this.lose('no refresh succeeded before its ttl ran out'), left);
  }

  private refresh(failures = 0): void {
    if (this.ended) return;
    // a refresh that hangs (Redis unreachable, commands queued) must not outlive the deadline
    this.armExpiry();
    const sentAt = this.context.scheduler.now();
    const { ttl, refreshInterval } = this.timing;
    this.context.store.extend(this.storeNamespace, this.storeKey, this.owner, ttl).then(
      (extended) => {
        if (this.ended) {
          // declared lost while the reply was on its way: do not keep a lock nobody refreshes
          if (extended && this.ended.lost) void this.context.store.release(this.storeNamespace, this.storeKey, this.owner).catch(() => undefined);
          return;
        }
        if (!extended) return this.lose('the lock expired or was taken by another owner');
        this.deadline = sentAt + ttl;
        this.expiryTimer?.unsubscribe();
        this.expiryTimer = null;
        this.scheduleRefresh(refreshInterval);
      },
      (error: unknown) => {
        if (this.ended) return;
        this.context.logger.error('rx-cluster: refreshing a lock failed; retrying before it expires', {
          namespace: this.context.namespace,
          key: this.key,
          error,
        });
        emit(this.context, 'store-error', this.key, { operation: 'extend', error });
        // retry well before the deadline; the expiry timer declares the loss if all fail
        const retryIn = Math.max(10, Math.min(refreshInterval, 250 * 2 ** failures));
        const retry = this.context.scheduler.schedule(() => this.refresh(failures + 1), retryIn);
        this.cancelRefresh = () => retry.unsubscribe();
      },
    );
  }

  private lose(reason: string): void {
    if (this.ended) return;
    this.end({ lost: true, error: this.reportLoss(reason) });
  }

  private reportLoss(reason: string): LockLostError {
    const error = new LockLostError(this.key, reason);
    this.context.logger.warn?.('rx-cluster: lease lost', { namespace: this.context.namespace, key: this.key, reason });
    emit(this.context, 'lock-lost', this.key, { fence: this.fence, error });
    return error;
  }

  private end(end: LeaseEnd): void {
    if (this.ended) return;
    this.ended = end;
    this.cancelRefresh?.();
    this.expiryTimer?.unsubscribe();
    this.context.leases.delete(this);
    this.controller?.abort(end.lost ? end.error : undefined);
    const listeners = [...this.endListeners];
    this.endListeners.clear();
    listeners.forEach((listener) => listener(end));
  }
}
