import type { ClusterStore } from './store.js';

/** The store operations that answer with a Promise, and so can fail. */
export type StoreOperation = Exclude<keyof ClusterStore, 'released' | 'onceAdded' | 'close'>;

const STREAMS = new Set<PropertyKey>(['released', 'onceAdded', 'close']);

/**
 * Puts a store behind a switch that makes chosen operations reject, as a store does for an
 * instance cut off from its server. The demo uses it to crash an instance of an in-process
 * cluster; the specs use it to inject store failures. Everything else reaches the real store.
 *
 * @example
 * ```ts
 * const link = severableStore(memoryStore());
 * link.sever('release'); // every release() now rejects
 * link.heal();
 * ```
 */
export function severableStore(inner: ClusterStore) {
  const severed = new Set<StoreOperation | 'all'>();
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || STREAMS.has(property)) return value;
      return (...args: unknown[]) => {
        calls += 1;
        if (severed.has('all') || severed.has(property as StoreOperation)) {
          return Promise.reject(new Error(`store unreachable: ${String(property)} failed`));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store,
    /** Makes `operations` (default: all of them) reject until `heal()`. */
    sever: (...operations: Array<StoreOperation | 'all'>) =>
      (operations.length ? operations : (['all'] as const)).forEach((op) => severed.add(op)),
    heal: () => severed.clear(),
    /** How many operations were called through this handle, severed or not. */
    get calls() {
      return calls;
    },
  };
}
