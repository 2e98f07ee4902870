/**
 * The Redis key layout of redisStore, in one place (docs/operations.md shows it to operators).
 * Every key starts with the namespace; the part in braces is the hash tag, so each lock's
 * keys, and each namespace's once keys, live in one Redis Cluster slot.
 *
 *   <ns>:lock:{<key>}         string, owner token, PX ttl
 *   <ns>:fence:{<key>}        integer, fencing counter (kept forever: it must only grow)
 *   <ns>:released:{<key>}     pub/sub channel, published on release
 *   <ns>:job:{<key>}          string, "lastFinished|nextDue" of a recurring job (epoch ms)
 *   <ns>:once:{<ns>}:queue    zset, unclaimed job key -> runAt
 *   <ns>:once:{<ns>}:claims   zset, claimed job key -> claim lease deadline
 *   <ns>:once:{<ns>}:jobs     hash, job key -> "runAt|props JSON"
 *   <ns>:once:{<ns>}:claimants hash, claimed job key -> "attempt|claimant"
 *   <ns>:once:{<ns>}:added    pub/sub channel, published with runAt when a job is added
 *   (with N once buckets, each bucket b has the five keys above under `{<ns>:b}`)
 */

/**
 * The once bucket of a job key: FNV-1a of the key, modulo the number of buckets.
 *
 * @example
 * ```ts
 * bucketOf('remind-42', 16); // a number from 0 to 15
 * ```
 */
export function bucketOf(key: string, buckets: number): number {
  if (buckets === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}

/** `{`, `}` and `%` are escaped so that a key can never move or split a hash tag. */
export function escapeKeyPart(part: string): string {
  return part.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The inverse of `escapeKeyPart`. */
export function unescapeKeyPart(part: string): string {
  return part.replace(/%(25|7B|7D)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Lock keys by namespace and key: built once, as every lock and release needs them. */
const lockKeyCache = new Map<string, { lock: string; fence: string; released: string }>();
const LOCK_KEY_CACHE_SIZE = 10_000;

export function lockKeys(ns: string, key: string) {
  const id = `${ns}\u0000${key}`;
  let keys = lockKeyCache.get(id);
  if (!keys) {
    const prefix = escapeKeyPart(ns);
    const tag = `{${escapeKeyPart(key)}}`;
    keys = { lock: `${prefix}:lock:${tag}`, fence: `${prefix}:fence:${tag}`, released: `${prefix}:released:${tag}` };
    if (lockKeyCache.size >= LOCK_KEY_CACHE_SIZE) lockKeyCache.clear();
    lockKeyCache.set(id, keys);
  }
  return keys;
}

/** The SCAN pattern of every `<ns>:<kind>:{…}` key, and how to read the user's key back. */
export function scanPattern(ns: string, kind: 'lock' | 'job') {
  const prefix = `${escapeKeyPart(ns)}:${kind}:{`;
  return {
    match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*}`,
    keyOf: (redisKey: string) => unescapeKeyPart(redisKey.slice(prefix.length, -1)),
  };
}

export function jobKey(ns: string, key: string): string {
  return `${escapeKeyPart(ns)}:job:{${escapeKeyPart(key)}}`;
}

/**
 * The once keys of one bucket of `ns`. With one bucket (the default off a Redis Cluster) the
 * tag is `{<ns>}`; with several, bucket b of a namespace lives under `{<ns>:b}`, so the
 * buckets spread over the cluster's slots and masters.
 */
export function onceKeys(ns: string, bucket = 0, buckets = 1) {
  const prefix = escapeKeyPart(ns);
  const base = buckets === 1 ? `${prefix}:once:{${prefix}}` : `${prefix}:once:{${prefix}:${bucket}}`;
  return {
    queue: `${base}:queue`,
    claims: `${base}:claims`,
    jobs: `${base}:jobs`,
    claimants: `${base}:claimants`,
    added: `${base}:added`,
  };
}
