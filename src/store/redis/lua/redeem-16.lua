--[[
  Redeem: drop expired holds, meet the order's live hold (its holder confirms it) and what is
  kept under the outcome key, check the coupon is the one the caller read, for a unique code check
  it is not revoked nor used up, then check every counter (uses plus live holds) against its limit
  and count one use on all of them (and on the unique code), or name what refused.
  Mirrors UsageLedger.redeem in the memory store.

  KEYS: 1 coupon hash, 2 global used, 3 user totals hash, 4 week hash, 5 day hash, 6 outcome,
        7 newest periods hash, 8 window index set, 9 redemption log, 10 the user's outcome set,
        11 code uses hash, 12 revoked codes hash, 13 holds set, 14 held hash, 15 the order's hold
        (the hold prefix alone when there is no orderId)
  ARGV: 1 coupon born, 2 coupon version, 3 userId, 4-7 limits (global, user total, week, day;
        -1 unlimited), 8 week, 9 day, 10 now (ms), 11 outcome TTL ms (0: keep nothing),
        12 publication, 13 orderId ('' for none), 14 discount, 15 log TTL ms,
        16 day hash TTL ms, 17 week hash TTL ms, 18 how long a refusal for a full counter or a
        spent code is kept (ms; 0: not kept), 19 log max entries, 20 the unique code's field
        (keys.codeField; '' for a plain code), 21 its uses per code (-1 unlimited), 22 the unique
        code as submitted ('' for a plain code), 23 the hold prefix (keys.holdPrefix)
  Returns {'behind', day, week} | {'more', expired} | {'replay', expired, record} |
          {'conflict', expired, used...} | {'stale', expired} |
          {'decided', expired, the refusal's reason ('' when accepted), used..., 'confirmed' or ''}
  where expired is how many expired holds this step dropped, and used... are the four counts
  with live holds added (what remaining subtracts).
  Last KEY: the statistics of the day of now; last ARGV: their TTL ms (see includes/log.lua).
]]
--- @include "includes/counters"
--- @include "includes/countingPeriods"
--- @include "includes/verdicts"
--- @include "includes/log"
--- @include "includes/keepOutcome"
--- @include "includes/holds"
--- @include "includes/refusal"
local userId, now, orderId, logTtl, logMax = ARGV[3], ARGV[10], ARGV[13], ARGV[15], ARGV[19]
local keeps = ARGV[11] ~= '0'
local field, uniqueCode = ARGV[20], ARGV[22]
local logged = uniqueCode ~= '' and uniqueCode

local day, week, dayResets, weekResets = countingPeriods(KEYS[7], ARGV[9], ARGV[8])
if day ~= ARGV[9] or week ~= ARGV[8] then return {'behind', day, week} end

local function readUsedOrHeld()
  return usesAndHolds({KEYS[2], KEYS[3], KEYS[4], KEYS[5]}, KEYS[13], KEYS[14], userId, day, week,
    field)
end

local expired, allExpired = expireHolds(KEYS[13], KEYS[14], ARGV[23], KEYS[9], logTtl, logMax, now)
if not allExpired then return {'more', expired} end

-- Mirrors holds.holdVerdict: the publication that decided what is kept replays it; otherwise
-- the order's live hold is confirmed by its holder and refused to anyone else.
local hold = orderId ~= '' and liveHold(KEYS[15], now)
local meetsHold = false
if hold then
  local kept = redis.call('HMGET', KEYS[6], 'until', 'by')
  if not (isKept(kept[1], now) and samePublication(kept[2], ARGV[12])) then
    meetsHold = (hold[1] == userId and (hold[2] or '') == uniqueCode) and 'confirm' or 'conflict'
  end
end

local function conflict()
  log(KEYS[9], logTtl, logMax, now, userId, orderId, 'rejected', 'ORDER_CONFLICT', logged)
  local used = readUsedOrHeld()
  return {'conflict', expired, used[1], used[2], used[3], used[4]}
end
if meetsHold == 'conflict' then return conflict() end
if keeps and not meetsHold then
  local verdict = redeemVerdict(KEYS[6], userId, ARGV[12], now, uniqueCode)
  if verdict == 'replay' then return {'replay', expired, redis.call('HGETALL', KEYS[6])} end
  if verdict == 'conflict' then return conflict() end
end

-- Mirrors ledger.isSameCoupon.
local coupon = redis.call('HMGET', KEYS[1], 'born', 'v')
if coupon[1] ~= ARGV[1] or coupon[2] ~= ARGV[2] then return {'stale', expired} end

-- A confirm counts the held use with no limit checked again; a code revoked since refuses it.
local confirming = meetsHold == 'confirm' and
  not (field ~= '' and redis.call('HEXISTS', KEYS[12], field) == 1)
local used, codeHeld = readUsedOrHeld()
local reason = not confirming and
  refusal(field, tonumber(ARGV[21]), KEYS[12], KEYS[11], codeHeld, used)
local accepted = not reason

-- Logged before any write: a script that fails half-way keeps what it wrote.
log(KEYS[9], logTtl, logMax, now, userId, orderId,
  confirming and 'confirmed' or (accepted and 'accepted' or 'rejected'), reason, logged)
-- Mirrors holds.confirmedWindows: a confirmed hold counts in the day and week it was reserved in.
local countedDay, countedWeek = day, week
if confirming then
  countedDay, countedWeek = hold[4], hold[5]
  dropHold(KEYS[13], KEYS[14], ARGV[23], orderId)
end
if accepted then
  -- A held use was in `used` already: it moves from held to counted, the sum stays.
  local add = confirming and 0 or 1
  redis.call('INCR', KEYS[2])
  redis.call('HINCRBY', KEYS[3], userId, 1)
  if countedWeek == week then redis.call('HINCRBY', KEYS[4], userId, 1) end
  if countedDay == day then redis.call('HINCRBY', KEYS[5], userId, 1) end
  used[1], used[2] = used[1] + add, used[2] + add
  if countedWeek == week then used[3] = used[3] + add end
  if countedDay == day then used[4] = used[4] + add end
  if field ~= '' then redis.call('HINCRBY', KEYS[11], field, 1) end
  redis.call('HSET', KEYS[7], 'day', day, 'week', week)
  redis.call('SADD', KEYS[8], KEYS[4], KEYS[5])
  -- A safety net: window hashes go by themselves once long over, even if no reset runs.
  redis.call('PEXPIRE', KEYS[4], ARGV[17])
  redis.call('PEXPIRE', KEYS[5], ARGV[16])
end

local keepFor = accepted and ARGV[11] or ARGV[18]
if keeps and keepFor ~= '0' then
  local fields = {'status', accepted and 'accepted' or 'rejected', 'user', userId, 'at', now}
  if orderId ~= '' then table.insert(fields, 'order'); table.insert(fields, orderId) end
  if logged then table.insert(fields, 'code'); table.insert(fields, uniqueCode) end
  if accepted then
    if field ~= '' then table.insert(fields, 'index'); table.insert(fields, field) end
    table.insert(fields, 'discount'); table.insert(fields, ARGV[14])
    if confirming then table.insert(fields, 'hold'); table.insert(fields, 'confirmed') end
    for _, value in ipairs({'born', coupon[1], 'day', countedDay, 'week', countedWeek,
        'dayResets', dayResets, 'weekResets', weekResets}) do
      table.insert(fields, value)
    end
  else
    table.insert(fields, 'reason'); table.insert(fields, reason)
  end
  for i = 1, 4 do
    local limit = tonumber(ARGV[3 + i])
    table.insert(fields, REMAINING_FIELDS[i])
    table.insert(fields, limit < 0 and '' or string.format('%d', math.max(0, limit - used[i])))
  end
  keepOutcome(KEYS[6], now, keepFor, ARGV[12], fields)
  indexOutcome(KEYS[10], KEYS[6], keepFor)
end
return {'decided', expired, reason or '', used[1], used[2], used[3], used[4],
  confirming and 'confirmed' or ''}
