-- Mirrors ledger.countingPeriods: the day and week a request stamped with (day, week) counts in,
-- the newest ones counted in when those are later.
local function countingPeriods(newestKey, day, week)
  local newest = redis.call('HMGET', newestKey, 'day', 'week')
  if newest[1] and newest[1] > day then day = newest[1] end
  if newest[2] and newest[2] > week then week = newest[2] end
  return day, week
end

-- The coupon's manual reset generations (ledger.ResetGenerations): day, week.
local function resetGenerations(newestKey)
  local generations = redis.call('HMGET', newestKey, 'dayResets', 'weekResets')
  return generations[1] or '0', generations[2] or '0'
end
