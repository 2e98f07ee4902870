/**
 * The Redis key layout of redisStore, in one place (docs/operations.md shows it to operators).
 * Every key starts with the namespace; the part in braces is the hash tag, so each lock's
 * keys, and each namespace's once keys, live in one Redis Cluster slot.
 *
 *   <ns>:lock:{<key>}         string, owner token, PX ttl
 *   <ns>:fence:{<key>}        integer, fencing counter (kept forever: it must only grow)
 *   <ns>:released:{<key>}     pub/sub channel, published on release
 *   <ns>:job:{<key>}          integer, lastFinished of a recurring job (epoch ms)
 *   <ns>:once:{<ns>}:queue    zset, unclaimed job key -> runAt
 *   <ns>:once:{<ns>}:claims   zset, claimed job key -> claim lease deadline
 *   <ns>:once:{<ns>}:jobs     hash, job key -> "runAt|props JSON"
 *   <ns>:once:{<ns>}:claimants hash, claimed job key -> "attempt|claimant"
 *   <ns>:once:{<ns>}:added    pub/sub channel, published with runAt when a job is added
 */

/** `{`, `}` and `%` are escaped so that a key can never move or split a hash tag. */
export function escapeKeyPart(part: string): string {
  return part.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The inverse of `escapeKeyPart`. */
export function unescapeKeyPart(part: string): string {
  return part.replace(/%(25|7B|7D)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function lockKeys(ns: string, key: string) {
  const prefix = escapeKeyPart(ns);
  const tag = `{${escapeKeyPart(key)}}`;
  return {
    lock: `${prefix}:lock:${tag}`,
    fence: `${prefix}:fence:${tag}`,
    released: `${prefix}:released:${tag}`,
  };
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

export function onceKeys(ns: string) {
  const prefix = escapeKeyPart(ns);
  const base = `${prefix}:once:{${prefix}}`;
  return {
    queue: `${base}:queue`,
    claims: `${base}:claims`,
    jobs: `${base}:jobs`,
    claimants: `${base}:claimants`,
    added: `${base}:added`,
  };
}
