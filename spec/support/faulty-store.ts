import type { ClusterStore } from '../../lib/stores/store.js';

type Operation = Exclude<keyof ClusterStore, 'released' | 'onceAdded' | 'close'>;

/**
 * Puts a real store behind a switch that makes chosen operations reject, as a store does
 * while its server is unreachable. Everything else reaches the real store.
 *
 * @example
 * ```ts
 * const faulty = faultyStore(memoryStore());
 * faulty.fail('release'); // every release() now rejects
 * faulty.heal();
 * ```
 */
export function faultyStore(inner: ClusterStore) {
  const failing = new Set<Operation | 'all'>();
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'released' || property === 'onceAdded' || property === 'close') {
        return value;
      }
      return (...args: unknown[]) => {
        calls += 1;
        if (failing.has('all') || failing.has(property as Operation)) {
          return Promise.reject(new Error(`injected store failure in ${String(property)}`));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store,
    /** Makes `operations` (default: all of them) reject until `heal()`. */
    fail: (...operations: Array<Operation | 'all'>) => (operations.length ? operations : ['all' as const]).forEach((op) => failing.add(op)),
    heal: () => failing.clear(),
    get calls() {
      return calls;
    },
  };
}
