--[[
  Drop a coupon's expired holds, logging each (the daily reset's sweep; every step that reads
  holds does the same first, so this only frees memory).

  KEYS: 1 holds set, 2 held hash, 3 redemption log
  ARGV: 1 now (ms), 2 log TTL ms, 3 log max entries, 4 the hold prefix (keys.holdPrefix)
  Returns {expired, 1 when none is left expired else 0}
  Last KEY: the statistics of the day of now; last ARGV: their TTL ms (see includes/log.lua).
]]
--- @include "includes/log"
--- @include "includes/holds"
local expired, allExpired = expireHolds(KEYS[1], KEYS[2], ARGV[4], KEYS[3], ARGV[2], ARGV[3],
  ARGV[1])
return {expired, allExpired and 1 or 0}
