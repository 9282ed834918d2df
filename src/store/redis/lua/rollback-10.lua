--[[
  Give back the use of this user's accepted redemption of an order, once, and its unique code's
  use when it was one. Mirrors UsageLedger.rollback in the memory store.

  KEYS: 1 outcome, 2 coupon hash, 3 global used, 4 user totals hash, 5 current week hash,
        6 current day hash, 7 newest periods hash, 8 redemption log, 9 code uses hash
  ARGV: 1 userId, 2 current week, 3 current day, 4 now (ms), 5 orderId, 6 publication,
        7 log TTL ms, 8 log max entries
  Returns {'not-found'} | {'already'} | {'behind', day, week} |
          {'rolled-back', global, userTotal, week, day} (1 where a use was given back)
  Last KEY: the statistics of the day of now; last ARGV: their TTL ms (see includes/log.lua).
]]
--- @include "includes/counters"
--- @include "includes/countingPeriods"
--- @include "includes/verdicts"
--- @include "includes/log"
local userId, now = ARGV[1], ARGV[4]
local verdict, replayed = rollbackVerdict(KEYS[1], userId, ARGV[6], now)
if verdict == 'not-found' then return {'not-found'} end
if verdict == 'already' then return {'already'} end
if verdict == 'replay' then
  return {'rolled-back', tonumber(replayed[1]), tonumber(replayed[2]), tonumber(replayed[3]),
    tonumber(replayed[4])}
end

local day, week, dayResets, weekResets = countingPeriods(KEYS[7], ARGV[3], ARGV[2])
if day ~= ARGV[3] or week ~= ARGV[2] then return {'behind', day, week} end

-- Mirrors ledger.countersToGiveBack.
local counted = redis.call('HMGET', KEYS[1], 'born', 'day', 'week', 'dayResets', 'weekResets',
  'code', 'index')
local same = redis.call('HGET', KEYS[2], 'born') == counted[1]
local allowed = {
  same, same,
  same and counted[3] == week and counted[5] == weekResets,
  same and counted[2] == day and counted[4] == dayResets,
}

local function takeBack(hash, field)
  if tonumber(redis.call('HGET', hash, field) or '0') <= 0 then return 0 end
  if redis.call('HINCRBY', hash, field, -1) == 0 then redis.call('HDEL', hash, field) end
  return 1
end

log(KEYS[8], ARGV[7], ARGV[8], now, userId, ARGV[5], 'rolled-back', false, counted[6])
local restored = {0, 0, 0, 0}
if allowed[1] and tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then
  redis.call('DECR', KEYS[3])
  restored[1] = 1
end
if allowed[2] then restored[2] = takeBack(KEYS[4], userId) end
if allowed[3] then restored[3] = takeBack(KEYS[5], userId) end
if allowed[4] then restored[4] = takeBack(KEYS[6], userId) end
-- A unique code's use goes back under the totals' rule (the same coupon); no flag of its own.
if allowed[1] and counted[7] then takeBack(KEYS[9], counted[7]) end
local fields = {'rbBy', ARGV[6]}
for i = 1, 4 do
  table.insert(fields, RESTORED_FIELDS[i]); table.insert(fields, restored[i])
end
redis.call('HSET', KEYS[1], unpack(fields))
return {'rolled-back', restored[1], restored[2], restored[3], restored[4]}
