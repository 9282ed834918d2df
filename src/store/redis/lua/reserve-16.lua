--[[
  Reserve: drop expired holds, meet the order's live hold and its kept redemption
  (holds.reserveVerdict), check the coupon is the one the caller read, for a unique code check it
  is not revoked nor used up (uses plus holds), then check every counter (uses plus live holds)
  against its limit and hold one use on all of them until the expiry, or name what refused.
  Mirrors UsageLedger.reserve in the memory store. A refusal writes nothing.

  KEYS: 1 coupon hash, 2 global used, 3 user totals hash, 4 week hash, 5 day hash, 6 the order's
        outcome, 7 newest periods hash, 8 redemption log, 9 code uses hash, 10 revoked codes hash,
        11 holds set, 12 held hash, 13 the order's hold, 14 the hold this publication made (a
        copy of its record, kept as long as an acceptance), 15 the user's outcome set
  ARGV: 1 coupon born, 2 coupon version, 3 userId, 4-7 limits (global, user total, week, day;
        -1 unlimited), 8 week, 9 day, 10 now (ms), 11 orderId, 12 expiry (ms), 13 log TTL ms,
        14 log max entries, 15 the unique code's field ('' for a plain code), 16 its uses per
        code (-1 unlimited), 17 the unique code as submitted ('' for a plain code), 18 the hold
        prefix (keys.holdPrefix), 19 publication ('' when unknown), 20 how long KEYS[14] is kept
        (ms; 0: not kept)
  Returns {'behind', day, week} | {'more', expired} | {'replay', expired, hold record} |
          {'rerun', expired, hold record} |
          {'conflict', expired, counts...} | {'stale', expired} | {'refused', expired, reason,
          counts...} | {'reserved', expired, counts...}
  where counts... are the four counts with live holds added (this one too when reserved).
  Last KEY: the statistics of the day of now; last ARGV: their TTL ms (see includes/log.lua).
]]
--- @include "includes/counters"
--- @include "includes/countingPeriods"
--- @include "includes/verdicts"
--- @include "includes/log"
--- @include "includes/keepOutcome"
--- @include "includes/holds"
--- @include "includes/refusal"
local userId, now, orderId, logTtl, logMax = ARGV[3], ARGV[10], ARGV[11], ARGV[13], ARGV[14]
local field, uniqueCode = ARGV[15], ARGV[17]

local day, week = countingPeriods(KEYS[7], ARGV[9], ARGV[8])
if day ~= ARGV[9] or week ~= ARGV[8] then return {'behind', day, week} end

local expired, allExpired = expireHolds(KEYS[11], KEYS[12], ARGV[18], KEYS[8], logTtl, logMax, now)
if not allExpired then return {'more', expired} end

local function readUsedOrHeld()
  return usesAndHolds({KEYS[2], KEYS[3], KEYS[4], KEYS[5]}, KEYS[11], KEYS[12], userId, day, week,
    field)
end

local function answer(kind, reason)
  local used = readUsedOrHeld()
  if reason then return {kind, expired, reason, used[1], used[2], used[3], used[4]} end
  return {kind, expired, used[1], used[2], used[3], used[4]}
end

-- Mirrors holds.reserveVerdict.
if ARGV[19] ~= '' and isKept(redis.call('HGET', KEYS[14], 'until'), now) then
  return {'rerun', expired, redis.call('HGETALL', KEYS[14])}
end
local hold = liveHold(KEYS[13], now)
if hold then
  if hold[1] == userId and (hold[2] or '') == uniqueCode then
    return {'replay', expired, redis.call('HGETALL', KEYS[13])}
  end
  return answer('conflict')
end
local kept = redis.call('HMGET', KEYS[6], 'until', 'rbBy', 'status')
if isKept(kept[1], now) and not kept[2] and kept[3] == 'accepted' then return answer('conflict') end

-- Mirrors ledger.isSameCoupon.
local coupon = redis.call('HMGET', KEYS[1], 'born', 'v')
if coupon[1] ~= ARGV[1] or coupon[2] ~= ARGV[2] then return {'stale', expired} end

local used, codeHeld = readUsedOrHeld()
local reason = refusal(field, tonumber(ARGV[16]), KEYS[10], KEYS[9], codeHeld, used)
if reason then return {'refused', expired, reason, used[1], used[2], used[3], used[4]} end

log(KEYS[8], logTtl, logMax, now, userId, orderId, 'reserved', false,
  uniqueCode ~= '' and uniqueCode)
local fields = {'user', userId, 'day', day, 'week', week, 'exp', ARGV[12], 'at', now}
if field ~= '' then
  table.insert(fields, 'code'); table.insert(fields, uniqueCode)
  table.insert(fields, 'index'); table.insert(fields, field)
end
for i = 1, 4 do
  used[i] = used[i] + 1
  local limit = tonumber(ARGV[3 + i])
  table.insert(fields, REMAINING_FIELDS[i])
  table.insert(fields, limit < 0 and '' or string.format('%d', math.max(0, limit - used[i])))
end
redis.call('HSET', KEYS[13], unpack(fields))
if ARGV[19] ~= '' and ARGV[20] ~= '0' then
  table.insert(fields, 'until'); table.insert(fields, string.format('%d', now + ARGV[20]))
  redis.call('DEL', KEYS[14])
  redis.call('HSET', KEYS[14], unpack(fields))
  redis.call('PEXPIRE', KEYS[14], ARGV[20])
  -- Listed with the user's outcomes, so erasing the user finds it.
  indexOutcome(KEYS[15], KEYS[14], ARGV[20])
end
redis.call('ZADD', KEYS[11], ARGV[12], orderId)
countHold(KEYS[12], userId, day, week, field, 1)
-- Mirrors holds.holdSupersedes: a refusal kept for the order is kept no more.
if isKept(kept[1], now) and not kept[2] and kept[3] == 'rejected' then
  redis.call('HSET', KEYS[6], 'until', now)
end
-- Later steps count in these periods at least (ledger.countingPeriods), as after a redemption.
redis.call('HSET', KEYS[7], 'day', day, 'week', week)
return {'reserved', expired, used[1], used[2], used[3], used[4]}
