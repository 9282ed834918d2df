-- Mirrors ledger.countingPeriods: the day and week a request stamped with (day, week) counts in,
-- the newest ones counted in when those are later. Also returns the coupon's manual reset
-- generations (ledger.ResetGenerations), read in the same call: dayResets, weekResets.
local function countingPeriods(newestKey, day, week)
  local newest = redis.call('HMGET', newestKey, 'day', 'week', 'dayResets', 'weekResets')
  if newest[1] and newest[1] > day then day = newest[1] end
  if newest[2] and newest[2] > week then week = newest[2] end
  return day, week, newest[3] or '0', newest[4] or '0'
end
