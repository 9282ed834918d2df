--[[
  Release: drop expired holds, then free the order's live hold if it is this user's, named by the
  coupon's code or by the hold's own unique code (holds.releases), and log it.
  Mirrors UsageLedger.release in the memory store.

  KEYS: 1 holds set, 2 held hash, 3 the order's hold, 4 redemption log
  ARGV: 1 userId, 2 orderId, 3 the unique code the release names ('' for the coupon's code),
        4 now (ms), 5 log TTL ms, 6 log max entries, 7 the hold prefix (keys.holdPrefix)
  Returns {'more', expired} | {'released', expired} | {'not-found', expired}
  Last KEY: the statistics of the day of now; last ARGV: their TTL ms (see includes/log.lua).
]]
--- @include "includes/log"
--- @include "includes/holds"
local userId, orderId, now = ARGV[1], ARGV[2], ARGV[4]
local expired, allExpired = expireHolds(KEYS[1], KEYS[2], ARGV[7], KEYS[4], ARGV[5], ARGV[6], now)
if not allExpired then return {'more', expired} end
local hold = liveHold(KEYS[3], now)
if not hold or hold[1] ~= userId or (ARGV[3] ~= '' and ARGV[3] ~= hold[2]) then
  return {'not-found', expired}
end
dropHold(KEYS[1], KEYS[2], ARGV[7], orderId)
log(KEYS[4], ARGV[5], ARGV[6], now, userId, orderId, 'released', false, hold[2])
return {'released', expired}
