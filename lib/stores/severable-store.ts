import type { ClusterStore } from './store.js';

/** The store operations that answer with a Promise, and so can fail. */
export type StoreOperation = Exclude<keyof ClusterStore, 'released' | 'onceAdded' | 'close'>;

const STREAMS = new Set<PropertyKey>(['released', 'onceAdded', 'close']);

/**
 * Puts a store behind a switch that makes chosen operations reject, as a store does for an
 * instance cut off from its server, or hang, as a node-redis client does that queues commands
 * while Redis is unreachable. The demo uses it to crash an instance of an in-process
 * cluster; the specs use it to inject store failures. Everything else reaches the real store.
 *
 * @example
 * ```ts
 * const link = severableStore(memoryStore());
 * link.sever('release'); // every release() now rejects
 * link.stall('acquire'); // every acquire() now waits…
 * link.heal();           // …until now, and everything reaches the store again
 * ```
 */
export function severableStore(inner: ClusterStore) {
  const severed = new Set<StoreOperation | 'all'>();
  const stalled = new Set<StoreOperation>();
  const held: Array<() => void> = [];
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || STREAMS.has(property)) return value;
      return (...args: unknown[]) => {
        calls += 1;
        const call = () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (severed.has('all') || severed.has(property as StoreOperation)) {
          return Promise.reject(new Error(`store unreachable: ${String(property)} failed`));
        }
        if (stalled.has(property as StoreOperation)) {
          return new Promise((resolve, reject) => held.push(() => void call().then(resolve, reject)));
        }
        return call();
      };
    },
  });
  return {
    store,
    /** Makes `operations` (default: all of them) reject until `heal()`. */
    sever: (...operations: Array<StoreOperation | 'all'>) =>
      (operations.length ? operations : (['all'] as const)).forEach((op) => severed.add(op)),
    /** Makes `operations` wait, neither answering nor failing, until `heal()` lets them through in order. */
    stall: (...operations: StoreOperation[]) => operations.forEach((op) => stalled.add(op)),
    heal: () => {
      severed.clear();
      stalled.clear();
      held.splice(0).forEach((go) => go());
    },
    /** How many operations were called through this handle, severed or not. */
    get calls() {
      return calls;
    },
    /** How many stalled calls wait for `heal()`. */
    get held() {
      return held.length;
    },
  };
}
