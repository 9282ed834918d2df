-- Whether a kept outcome record (a hash, see keys.redis.ts) still counts at now, by the caller's
-- clock: mirrors ledger.isKept.
local function isKept(untilMs, now)
  return untilMs and tonumber(untilMs) > tonumber(now)
end

-- Two runs are the same publication only when the id is known.
local function samePublication(a, b)
  return a ~= nil and a ~= false and a ~= '' and a == b
end

-- Mirrors ledger.redeemVerdict: 'decide', 'replay' or 'conflict'. uniqueCode is the code the
-- request names when it is a unique code, else ''; a record keeps such a code in 'code'.
local function redeemVerdict(outcomeKey, userId, publication, now, uniqueCode)
  local kept = redis.call('HMGET', outcomeKey, 'until', 'user', 'by', 'rbBy', 'code')
  if not isKept(kept[1], now) then return 'decide' end
  if kept[4] then
    if samePublication(kept[3], publication) then return 'replay' end
    return 'decide'
  end
  if kept[2] == userId and (kept[5] or '') == uniqueCode then return 'replay' end
  return 'conflict'
end

-- Mirrors ledger.earlierRollback: the restored flags (as stored) of this publication's rollback of
-- the order, the current decision's or an earlier one's (fields 'past:<publication>:rb.*'), or nil.
local function earlierRollback(outcomeKey, publication, now)
  if publication == '' then return nil end
  local kept = redis.call('HMGET', outcomeKey, 'until', 'rbBy')
  if not isKept(kept[1], now) then return nil end
  local prefix = kept[2] == publication and '' or ('past:' .. publication .. ':')
  local fields = {}
  for i = 1, 4 do fields[i] = prefix .. RESTORED_FIELDS[i] end
  local flags = redis.call('HMGET', outcomeKey, unpack(fields))
  if not flags[1] then return nil end
  return flags
end

-- Mirrors ledger.rollbackVerdict: 'not-found', 'apply', 'already', or 'replay' with the flags.
local function rollbackVerdict(outcomeKey, userId, publication, now)
  local replayed = earlierRollback(outcomeKey, publication, now)
  if replayed then return 'replay', replayed end
  local kept = redis.call('HMGET', outcomeKey, 'until', 'user', 'status', 'rbBy')
  if not isKept(kept[1], now) then return 'not-found' end
  if kept[3] ~= 'accepted' or kept[2] ~= userId then return 'not-found' end
  if kept[4] then return 'already' end
  return 'apply'
end
