import { defineScript } from './lua-script.js';

/*
 * The Lua scripts of redisStore. Each is one atomic step of the store contract and touches
 * the keys of one hash tag only, so it runs on a Redis Cluster too. Each opens with the
 * KEYS it touches, the ARGV it takes and what it returns.
 */

/** How scripts notify: sharded pub/sub on a Redis Cluster, classic elsewhere. */
export type PublishCommand = 'PUBLISH' | 'SPUBLISH';

/** A Redis-time reading in epoch ms, for scripts that judge due times on the server's clock. */
const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

export const acquireLock = defineScript<
  [lock: string, fence: string],
  [owner: string, ttl: string],
  [fence: number, ttlLeft: number]
>(`
-- KEYS[1] lock (string: owner token, PX ttl)   KEYS[2] fence counter (never expires)
-- ARGV[1] owner token   ARGV[2] ttl in ms
-- returns {fence, 0} when acquired, {0, ms left of the holder} when held
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {redis.call('INCR', KEYS[2]), 0}
end
return {0, math.max(redis.call('PTTL', KEYS[1]), 0)}
`);

export const extendLock = defineScript<[lock: string], [owner: string, ttl: string], number>(`
-- KEYS[1] lock   ARGV[1] owner token   ARGV[2] ttl in ms
-- returns 1 if the owner still held the lock and its ttl was reset, else 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`);

export const releaseLock = defineScript<[lock: string], [owner: string, channel: string, publish: PublishCommand], number>(`
-- KEYS[1] lock   ARGV[1] owner token   ARGV[2] release channel (same hash tag as the lock)
-- ARGV[3] PUBLISH, or SPUBLISH on a Redis Cluster (the channel is in the lock's slot)
-- returns 1 if the owner held the lock and it was deleted (waiters are told), else 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call(ARGV[3], ARGV[2], '1')
  return 1
end
return 0
`);

export const addOnceJob = defineScript<
  [queue: string, jobs: string],
  [key: string, runAt: string, props: string, channel: string, publish: PublishCommand],
  number
>(`
-- KEYS[1] queue (zset: unclaimed key -> runAt)   KEYS[2] jobs (hash: key -> "runAt|props")
-- ARGV[1] job key   ARGV[2] runAt (epoch ms)   ARGV[3] props JSON   ARGV[4] added channel
-- ARGV[5] PUBLISH, or SPUBLISH on a Redis Cluster (the channel is in the bucket's slot)
-- returns 1 if stored (runners are told its runAt), 0 if the key was already scheduled
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2] .. '|' .. ARGV[3]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call(ARGV[5], ARGV[4], ARGV[2])
return 1
`);

export const cancelOnceJob = defineScript<
  [queue: string, claims: string, jobs: string, claimants: string],
  [key: string],
  number
>(`
-- KEYS[1] queue   KEYS[2] claims (zset: claimed key -> lease deadline)   KEYS[3] jobs
-- KEYS[4] claimants (hash: key -> "attempt|claimant")   ARGV[1] job key
-- returns 1 if the job existed and is gone, else 0
if redis.call('HDEL', KEYS[3], ARGV[1]) == 0 then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
`);

export const claimOnceJobs = defineScript<
  [queue: string, claims: string, jobs: string, claimants: string],
  [claimant: string, claimTtl: string, limit: string],
  Array<string | number>
>(`
-- KEYS[1] queue   KEYS[2] claims   KEYS[3] jobs   KEYS[4] claimants
-- ARGV[1] claimant id   ARGV[2] claim lease in ms   ARGV[3] most jobs to claim
-- Claims, on the server's clock, jobs whose claim lease ran out, then jobs that are due.
-- returns {now, ms to the next due job or lease end (-1: none), key, "runAt|props", attempt, ...}
${NOW_MS}
local deadline = now + tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local reply = {now, -1}
local function claim(key)
  local data = redis.call('HGET', KEYS[3], key)
  if not data then
    -- an index entry without its job (foreign writes): drop it
    redis.call('ZREM', KEYS[1], key)
    redis.call('ZREM', KEYS[2], key)
    redis.call('HDEL', KEYS[4], key)
    return
  end
  local previous = redis.call('HGET', KEYS[4], key)
  local attempt = (previous and tonumber(string.match(previous, '^(%d+)')) or 0) + 1
  redis.call('HSET', KEYS[4], key, attempt .. '|' .. ARGV[1])
  redis.call('ZADD', KEYS[2], deadline, key)
  redis.call('ZREM', KEYS[1], key)
  reply[#reply + 1] = key
  reply[#reply + 1] = data
  reply[#reply + 1] = attempt
end
for _, key in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)) do
  claim(key)
end
local room = limit - (#reply - 2) / 3
if room > 0 then
  for _, key in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, room)) do
    claim(key)
  end
end
local nextAt = nil
for _, set in ipairs({KEYS[1], KEYS[2]}) do
  local first = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
  if first[2] then
    local at = tonumber(first[2])
    if nextAt == nil or at < nextAt then nextAt = at end
  end
end
if nextAt then reply[2] = math.max(nextAt - now, 0) end
return reply
`);

export const extendOnceClaim = defineScript<
  [claims: string, claimants: string],
  [key: string, claimant: string, claimTtl: string],
  number
>(`
-- KEYS[1] claims   KEYS[2] claimants   ARGV[1] job key   ARGV[2] claimant id   ARGV[3] lease ms
-- returns 1 if the claimant's lease was still live and is renewed, else 0
${NOW_MS}
local claim = redis.call('HGET', KEYS[2], ARGV[1])
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not claim or not deadline or string.match(claim, '|(.*)$') ~= ARGV[2] or tonumber(deadline) <= now then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return 1
`);

export const ackOnceJob = defineScript<
  [claims: string, jobs: string, claimants: string],
  [key: string, claimant: string],
  number
>(`
-- KEYS[1] claims   KEYS[2] jobs   KEYS[3] claimants   ARGV[1] job key   ARGV[2] claimant id
-- returns 1 if the claimant still held the claim and the job is removed, else 0
local claim = redis.call('HGET', KEYS[3], ARGV[1])
if not claim or string.match(claim, '|(.*)$') ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`);

export const listOnceJobs = defineScript<
  [queue: string, claims: string, jobs: string],
  [limit: string, afterRunAt: string, afterKey: string],
  string[]
>(`
-- KEYS[1] queue   KEYS[2] claims   KEYS[3] jobs
-- ARGV[1] page size   ARGV[2] runAt of the last job of the previous page ('' on the first)
-- ARGV[3] key of that job
-- returns {key, "runAt|props", ...}: the next page ordered by (runAt, key), claimed jobs included
local limit = tonumber(ARGV[1])
local start = 0
if ARGV[2] ~= '' then
  local runAt = tonumber(ARGV[2])
  -- first rank after (runAt, key): skip lower scores, then binary-search the tie block
  local low = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[2])
  local high = low + redis.call('ZCOUNT', KEYS[1], ARGV[2], ARGV[2])
  while low < high do
    local middle = math.floor((low + high) / 2)
    if redis.call('ZRANGE', KEYS[1], middle, middle)[1] <= ARGV[3] then low = middle + 1 else high = middle end
  end
  start = low
end
local page = {}
local queued = redis.call('ZRANGE', KEYS[1], start, start + limit - 1)
for _, key in ipairs(queued) do page[#page + 1] = key end
for _, key in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do page[#page + 1] = key end
local reply = {}
for _, key in ipairs(page) do
  local data = redis.call('HGET', KEYS[3], key)
  if data then
    reply[#reply + 1] = key
    reply[#reply + 1] = data
  end
end
return reply
`);
