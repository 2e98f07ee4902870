import { Observable, Subscriber, type Observer, type Subscription, type TeardownLogic } from 'rxjs';

/**
 * What the subscriber's own `next` did wrong during the last delivery, handed over once:
 * what it threw, or the Promise it returned (an `async` next), which may still reject;
 * null if nothing.
 */
export type TakeConsumerError = () => { error: unknown } | { pending: PromiseLike<unknown> } | null;

/**
 * An Observable whose producer learns when the direct subscriber's `next` throws.
 *
 * RxJS never lets a consumer's exception reach the producer: it rethrows it on a new call
 * stack, which crashes a Node.js process. A recurring job must instead report a failed run
 * and go on, so this catches what a `subscribe(next)` callback throws and hands it to the
 * producer through `takeConsumerError()`, right after the delivery; a Promise that an `async`
 * callback returns is handed over too, so that its rejection is reported instead of crashing
 * the process as an unhandled rejection. Subscribers that are
 * already `Subscriber`s (operators, `firstValueFrom`) pass through untouched: they turn
 * their own failures into error notifications.
 *
 * @example
 * ```ts
 * new ConsumerGuardedObservable<number>((subscriber, takeConsumerError) => {
 *   subscriber.next(1);
 *   const failed = takeConsumerError(); // { error } if the subscriber's next threw
 * });
 * ```
 */
export class ConsumerGuardedObservable<T> extends Observable<T> {
  constructor(private readonly produce: (subscriber: Subscriber<T>, takeConsumerError: TakeConsumerError) => TeardownLogic) {
    super();
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    let failure: ReturnType<TakeConsumerError> = null;
    const takeConsumerError: TakeConsumerError = () => {
      const taken = failure;
      failure = null;
      return taken;
    };
    const inner = new Observable<T>((subscriber) => this.produce(subscriber, takeConsumerError));
    if (observerOrNext instanceof Subscriber) return inner.subscribe(observerOrNext);

    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' || !observerOrNext
        ? { next: observerOrNext ?? undefined, error: error ?? undefined, complete: complete ?? undefined }
        : observerOrNext;
    const next = observer.next;
    return inner.subscribe({
      next: (value) => {
        try {
          const returned: unknown = next?.call(observer, value);
          if (isThenable(returned)) failure = { pending: returned };
        } catch (caught) {
          failure = { error: caught };
        }
      },
      error: observer.error ? (reason) => observer.error!.call(observer, reason) : undefined,
      complete: observer.complete ? () => observer.complete!.call(observer) : undefined,
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
