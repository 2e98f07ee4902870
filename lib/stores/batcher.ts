/**
 * Coalesces the calls made in one tick into batches: every call waits for a microtask, then
 * the calls of each group are run together, `maxBatch` at a time. A batch that fails fails
 * each of its calls. redisStore uses it so that the acks, adds and renewals a runner issues
 * together cost one script run each, not one per job.
 *
 * @example
 * ```ts
 * const get = batched((keys: string[]) => client.mGet(keys), (key) => slotOf(key));
 * const [a, b] = await Promise.all([get('a'), get('b')]); // one MGET per slot
 * ```
 */
export function batched<Item, Result>(
  run: (items: Item[], group: string) => Promise<Result[]>,
  groupOf: (item: Item) => string = () => '',
  maxBatch = 200,
): (item: Item) => Promise<Result> {
  let pending: Map<string, Array<{ item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }>> | null = null;

  const flush = () => {
    const groups = pending!;
    pending = null;
    for (const [group, calls] of groups) {
      for (let start = 0; start < calls.length; start += maxBatch) {
        const slice = calls.slice(start, start + maxBatch);
        run(
          slice.map((call) => call.item),
          group,
        ).then(
          (results) => slice.forEach((call, i) => call.resolve(results[i]!)),
          (error: unknown) => slice.forEach((call) => call.reject(error)),
        );
      }
    }
  };

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      if (!pending) {
        pending = new Map();
        queueMicrotask(flush);
      }
      const group = groupOf(item);
      let calls = pending.get(group);
      if (!calls) pending.set(group, (calls = []));
      calls.push({ item, resolve, reject });
    });
}
