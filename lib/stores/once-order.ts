import type { StoredOnceJob } from './store.js';

/**
 * Orders anything with a key by key, as Redis orders members of equal score: by UTF-8 bytes,
 * which is code point order. Comparing UTF-16 code units (`<`) differs where a surrogate
 * (an astral character) meets a unit in U+E000..U+FFFF, and paging would skip or repeat jobs.
 */
export function byKey(a: { key: string }, b: { key: string }): number {
  return compareCodePoints(a.key, b.key);
}

/** The order of `once.list()`: by runAt, then by key, so that paging is stable. */
export function compareJobs(a: StoredOnceJob, b: StoredOnceJob): number {
  return a.runAt - b.runAt || byKey(a, b);
}

const isSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdfff;

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // a surrogate starts a code point above U+FFFF, so it sorts after any other unit
    if (isSurrogate(x) !== isSurrogate(y)) return isSurrogate(x) ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
