-- Checkout holds (mirrors src/domain/holds.ts). A coupon's live holds are a sorted set (order id ->
-- expiry, ms by the caller's clock) with one hash per hold at holdPrefix .. orderId: `user`, `day`,
-- `week`, `exp`, `at`, the remaining answered when reserved (rem.*) and, on a unique code, `code`
-- (as submitted) and `index` (its codeField). The held hash counts live holds per user ('u:' ..
-- user), per user and day ('d:' .. day .. ':' .. user) and week ('w:' ..), and per unique code
-- ('c:' .. index); all holds count against the global limit (ZCARD).

-- Holds one step drops at most: a step that finds more expired answers 'more', and the caller
-- asks again, so a mass expiry never blocks Redis for long, and nothing is decided before it is
-- all dropped.
local HOLD_BATCH = 1000

local function holdCounters(userId, day, week, index)
  local fields = {'u:' .. userId, 'd:' .. day .. ':' .. userId, 'w:' .. week .. ':' .. userId}
  if index and index ~= '' then table.insert(fields, 'c:' .. index) end
  return fields
end

local function countHold(heldKey, userId, day, week, index, by)
  for _, field in ipairs(holdCounters(userId, day, week, index)) do
    if redis.call('HINCRBY', heldKey, field, by) <= 0 then redis.call('HDEL', heldKey, field) end
  end
end

-- Removes one hold (its record, its place in the set and its counts); returns its record's
-- fields {user, day, week, code, index}, or nil when there was none.
local function dropHold(holdsKey, heldKey, holdPrefix, orderId)
  local key = holdPrefix .. orderId
  local hold = redis.call('HMGET', key, 'user', 'day', 'week', 'code', 'index')
  redis.call('ZREM', holdsKey, orderId)
  if not hold[1] then return nil end
  countHold(heldKey, hold[1], hold[2], hold[3], hold[5], -1)
  redis.call('DEL', key)
  return hold
end

-- Drops the holds expired at now (a hold counts while now < its expiry: holds.isLive), logging
-- each. Returns how many it dropped, and whether none is left expired.
local function expireHolds(holdsKey, heldKey, holdPrefix, logKey, logTtl, logMax, now)
  local expired = redis.call('ZRANGEBYSCORE', holdsKey, '-inf', now, 'LIMIT', 0, HOLD_BATCH)
  for _, orderId in ipairs(expired) do
    local hold = dropHold(holdsKey, heldKey, holdPrefix, orderId)
    if hold then log(logKey, logTtl, logMax, now, hold[1], orderId, 'expired', false, hold[4]) end
  end
  return #expired, #expired < HOLD_BATCH
end

-- Live holds against each counter for one user (holds.heldCounts), in counter order, and against
-- a unique code (index; '' for none).
local function heldCounts(holdsKey, heldKey, userId, day, week, index)
  local live = redis.call('ZCARD', holdsKey)
  if live == 0 then return {0, 0, 0, 0}, 0 end
  local fields = holdCounters(userId, day, week, index)
  local values = redis.call('HMGET', heldKey, fields[1], fields[3], fields[2], fields[4] or 'c:')
  return {live, tonumber(values[1] or '0'), tonumber(values[2] or '0'),
    tonumber(values[3] or '0')}, tonumber(values[4] or '0')
end

-- Uses plus live holds of one user (holds.usedOrHeld), in counter order, as limit checks and
-- remaining read them, and the unique code's live holds. usedKeys: the global count, the user
-- totals hash and the week and day hashes.
local function usesAndHolds(usedKeys, holdsKey, heldKey, userId, day, week, index)
  local used = {
    tonumber(redis.call('GET', usedKeys[1]) or '0'),
    tonumber(redis.call('HGET', usedKeys[2], userId) or '0'),
    tonumber(redis.call('HGET', usedKeys[3], userId) or '0'),
    tonumber(redis.call('HGET', usedKeys[4], userId) or '0'),
  }
  local held, codeHeld = heldCounts(holdsKey, heldKey, userId, day, week, index)
  for i = 1, 4 do used[i] = used[i] + held[i] end
  return used, codeHeld
end

-- The order's live hold record {user, code, exp, day, week, index, at}, or nil.
local function liveHold(holdKey, now)
  local hold = redis.call('HMGET', holdKey, 'user', 'code', 'exp', 'day', 'week', 'index', 'at')
  if not hold[1] or tonumber(hold[3]) <= tonumber(now) then return nil end
  return hold
end
