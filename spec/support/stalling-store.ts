import type { ClusterStore } from '../../lib/stores/store.js';

/**
 * Puts a store behind a switch that keeps chosen operations pending, as a node-redis client
 * does that queues commands while Redis is unreachable. `resume()` lets them through, in
 * order, and every later call goes straight to the store.
 *
 * @example
 * ```ts
 * const stalled = stallingStore(memoryStore(), 'acquire');
 * const pending = stalled.store.acquire('ns', 'k', 'owner', 1_000); // never settles…
 * stalled.resume(); // …until now
 * ```
 */
export function stallingStore(inner: ClusterStore, ...operations: Array<keyof ClusterStore>) {
  let stalled = true;
  const held: Array<() => void> = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const call = (args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
      if (!operations.includes(property as keyof ClusterStore)) return (...args: unknown[]) => call(args);
      return (...args: unknown[]) => {
        if (!stalled) return call(args);
        return new Promise((resolve, reject) => held.push(() => void (call(args) as Promise<unknown>).then(resolve, reject)));
      };
    },
  });
  return {
    store,
    /** Calls held back so far. */
    get held() {
      return held.length;
    },
    resume: () => {
      stalled = false;
      held.splice(0).forEach((go) => go());
    },
  };
}
