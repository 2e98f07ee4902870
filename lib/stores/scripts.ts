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

export const acquireLock = defineScript<[lock: string, fence: string], [owner: string, ttl: string], number>(`
-- KEYS[1] lock (string: owner token, PX ttl)   KEYS[2] fence counter (never expires)
-- ARGV[1] owner token   ARGV[2] ttl in ms
-- returns the fence (> 0) when acquired; when held, -1 - the ms left of the holder (< 0);
-- 0 when the key holds something without a ttl (not written by rx-cluster)
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local fence = redis.pcall('INCR', KEYS[2])
  if type(fence) == 'table' and fence.err then
    -- a foreign value at the fence key: take nothing rather than a lock without a fence
    redis.call('DEL', KEYS[1])
    return redis.error_reply('fence counter ' .. KEYS[2] .. ' is not an integer: ' .. fence.err)
  end
  return fence
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then return 0 end
return -1 - left
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

export const addOnceJobs = defineScript<
  [queue: string, jobs: string],
  [channel: string, publish: PublishCommand, ...jobs: string[]],
  number[]
>(`
-- KEYS[1] queue (zset: unclaimed key -> runAt)   KEYS[2] jobs (hash: key -> "runAt|props")
-- ARGV[1] added channel   ARGV[2] PUBLISH, or SPUBLISH on a Redis Cluster (the channel is in
-- the bucket's slot)   ARGV[3..] key, runAt (epoch ms), props JSON of each job
-- returns per job 1 if stored, 0 if its key was already scheduled; runners are told the
-- earliest runAt stored, once for the whole batch
local stored, members = {}, {}
local earliest, earliestText = nil, nil
for i = 3, #ARGV, 3 do
  local key, runAt = ARGV[i], ARGV[i + 1]
  if redis.call('HSETNX', KEYS[2], key, runAt .. '|' .. ARGV[i + 2]) == 1 then
    members[#members + 1] = runAt
    members[#members + 1] = key
    stored[#stored + 1] = 1
    if earliest == nil or tonumber(runAt) < earliest then
      earliest, earliestText = tonumber(runAt), runAt
    end
  else
    stored[#stored + 1] = 0
  end
end
if #members > 0 then
  redis.call('ZADD', KEYS[1], unpack(members))
  redis.call(ARGV[2], ARGV[1], earliestText)
end
return stored
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
local function claim(keys, fromQueue)
  if #keys == 0 then return end
  local data = redis.call('HMGET', KEYS[3], unpack(keys))
  local previous = redis.call('HMGET', KEYS[4], unpack(keys))
  local leases, claimants, gone = {}, {}, {}
  for i, key in ipairs(keys) do
    if data[i] then
      local attempt = (previous[i] and tonumber(string.match(previous[i], '^(%d+)')) or 0) + 1
      leases[#leases + 1] = deadline
      leases[#leases + 1] = key
      claimants[#claimants + 1] = key
      claimants[#claimants + 1] = attempt .. '|' .. ARGV[1]
      reply[#reply + 1] = key
      reply[#reply + 1] = data[i]
      reply[#reply + 1] = attempt
    else
      -- an index entry without its job (foreign writes): dropped
      gone[#gone + 1] = key
    end
  end
  if fromQueue then redis.call('ZREM', KEYS[1], unpack(keys)) end
  if #leases > 0 then
    redis.call('ZADD', KEYS[2], unpack(leases))
    redis.call('HSET', KEYS[4], unpack(claimants))
  end
  if #gone > 0 then
    redis.call('ZREM', KEYS[2], unpack(gone))
    redis.call('HDEL', KEYS[4], unpack(gone))
  end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
claim(expired, false)
local room = limit - #expired
if room > 0 then
  claim(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, room), true)
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

export const extendOnceClaims = defineScript<
  [claims: string, claimants: string],
  [claimTtl: string, ...keyClaimantPairs: string[]],
  number[]
>(`
-- KEYS[1] claims   KEYS[2] claimants   ARGV[1] lease in ms   ARGV[2..] job key, claimant id, ...
-- returns per job 1 if the claimant's lease was still live and is renewed, else 0
${NOW_MS}
local keys = {}
for i = 2, #ARGV, 2 do keys[#keys + 1] = ARGV[i] end
local claims = redis.call('HMGET', KEYS[2], unpack(keys))
local deadlines = redis.call('ZMSCORE', KEYS[1], unpack(keys))
local renewed, leases = {}, {}
for i, key in ipairs(keys) do
  local live = claims[i] and deadlines[i] and string.match(claims[i], '|(.*)$') == ARGV[2 * i + 1]
    and tonumber(deadlines[i]) > now
  if live then
    leases[#leases + 1] = now + tonumber(ARGV[1])
    leases[#leases + 1] = key
  end
  renewed[i] = live and 1 or 0
end
if #leases > 0 then redis.call('ZADD', KEYS[1], unpack(leases)) end
return renewed
`);

export const ackOnceJobs = defineScript<
  [claims: string, jobs: string, claimants: string],
  [...keyClaimantPairs: string[]],
  number[]
>(`
-- KEYS[1] claims   KEYS[2] jobs   KEYS[3] claimants   ARGV job key, claimant id, ...
-- returns per job 1 if the claimant still held its claim and the job is removed, else 0
local keys = {}
for i = 1, #ARGV, 2 do keys[#keys + 1] = ARGV[i] end
local claims = redis.call('HMGET', KEYS[3], unpack(keys))
local acked, done = {}, {}
for i, key in ipairs(keys) do
  if claims[i] and string.match(claims[i], '|(.*)$') == ARGV[2 * i] then
    done[#done + 1] = key
    acked[i] = 1
  else
    acked[i] = 0
  end
end
if #done > 0 then
  redis.call('ZREM', KEYS[1], unpack(done))
  redis.call('HDEL', KEYS[2], unpack(done))
  redis.call('HDEL', KEYS[3], unpack(done))
end
return acked
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
-- Redis orders members of equal score by their bytes (memcmp); Lua's <= on strings follows
-- the server's locale (strcoll), which may not, so the tie block is searched byte by byte
local function notAfter(a, b)
  if a == b then return true end
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local start = 0
if ARGV[2] ~= '' then
  -- first rank after (runAt, key): skip lower scores, then binary-search the tie block
  local low = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[2])
  local high = low + redis.call('ZCOUNT', KEYS[1], ARGV[2], ARGV[2])
  while low < high do
    local middle = math.floor((low + high) / 2)
    if notAfter(redis.call('ZRANGE', KEYS[1], middle, middle)[1], ARGV[3]) then low = middle + 1 else high = middle end
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
