-- Whether a kept outcome record (a hash, see keys.redis.ts) still counts at now, by the caller's
-- clock: mirrors ledger.isKept.
local function isKept(untilMs, now)
  return untilMs and tonumber(untilMs) > tonumber(now)
end

-- Two runs are the same publication only when the id is known.
local function samePublication(a, b)
  return a ~= nil and a ~= false and a ~= '' and a == b
end

-- Mirrors ledger.redeemVerdict: 'decide', 'replay' or 'conflict'.
local function redeemVerdict(outcomeKey, userId, publication, now)
  local kept = redis.call('HMGET', outcomeKey, 'until', 'user', 'by', 'rbBy')
  if not isKept(kept[1], now) then return 'decide' end
  if kept[4] then
    if samePublication(kept[3], publication) then return 'replay' end
    return 'decide'
  end
  if kept[2] == userId then return 'replay' end
  return 'conflict'
end

-- Mirrors ledger.rollbackVerdict: 'not-found', 'apply', 'replay' or 'already'.
local function rollbackVerdict(outcomeKey, userId, publication, now)
  local kept = redis.call('HMGET', outcomeKey, 'until', 'user', 'status', 'rbBy')
  if not isKept(kept[1], now) then return 'not-found' end
  if kept[3] ~= 'accepted' or kept[2] ~= userId then return 'not-found' end
  if not kept[4] then return 'apply' end
  if samePublication(kept[4], publication) then return 'replay' end
  return 'already'
end
