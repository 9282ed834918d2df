--[[
  Read the counts of one user (or none) in the given day and week, and the live holds against
  them, after dropping the expired holds. Mirrors UsageLedger.counts in the memory store.

  KEYS: 1 global used, 2 user totals hash, 3 week hash, 4 day hash, 5 newest periods hash,
        6 holds set, 7 held hash, 8 redemption log
  ARGV: 1 userId ('' for none), 2 week, 3 day, 4 now (ms), 5 a unique code's field ('' for
        none), 6 log TTL ms, 7 log max entries, 8 the hold prefix (keys.holdPrefix)
  Returns {'behind', day, week} | {'more', expired} |
          {'counts', expired, used (4 counts), held (4 counts), the code's live holds}
  Last KEY: the statistics of the day of now; last ARGV: their TTL ms (see includes/log.lua).
]]
--- @include "includes/countingPeriods"
--- @include "includes/log"
--- @include "includes/holds"
local userId, now = ARGV[1], ARGV[4]
local day, week = countingPeriods(KEYS[5], ARGV[3], ARGV[2])
if day ~= ARGV[3] or week ~= ARGV[2] then return {'behind', day, week} end
local expired, allExpired = expireHolds(KEYS[6], KEYS[7], ARGV[8], KEYS[8], ARGV[6], ARGV[7], now)
if not allExpired then return {'more', expired} end
local held, codeHeld = heldCounts(KEYS[6], KEYS[7], userId, day, week, ARGV[5])
local global = tonumber(redis.call('GET', KEYS[1]) or '0')
if userId == '' then return {'counts', expired, global, 0, 0, 0, held[1], 0, 0, 0, codeHeld} end
return {
  'counts', expired, global,
  tonumber(redis.call('HGET', KEYS[2], userId) or '0'),
  tonumber(redis.call('HGET', KEYS[3], userId) or '0'),
  tonumber(redis.call('HGET', KEYS[4], userId) or '0'),
  held[1], held[2], held[3], held[4], codeHeld,
}
