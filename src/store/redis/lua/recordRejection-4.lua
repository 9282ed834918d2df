--[[
  Keep and log a rejection by a coupon- or user-level rule, which counts nothing, after meeting
  what is kept under the outcome key. Mirrors UsageLedger.recordRejection in the memory store.

  KEYS: 1 outcome, 2 redemption log, 3 the user's outcome set
  ARGV: 1 userId, 2 orderId ('' for none), 3 publication, 4 reason, 5-8 remaining ('' for
        unlimited), 9 now (ms), 10 how long the rejection is kept (ms; 0: not kept),
        11 log TTL ms, 12 log max entries, 13 '1' when there is an outcome key to meet first,
        14 the unique code as submitted ('' for a plain code)
  Returns {'replay', record} | {'conflict'} | {'kept'}
  Last KEY: the statistics of the day of now; last ARGV: their TTL ms (see includes/log.lua).
]]
--- @include "includes/counters"
--- @include "includes/verdicts"
--- @include "includes/log"
--- @include "includes/keepOutcome"
local userId, orderId, now, logTtl, logMax = ARGV[1], ARGV[2], ARGV[9], ARGV[11], ARGV[12]
local logged = ARGV[14] ~= '' and ARGV[14]
if ARGV[13] == '1' then
  local verdict = redeemVerdict(KEYS[1], userId, ARGV[3], now, ARGV[14])
  if verdict == 'replay' then return {'replay', redis.call('HGETALL', KEYS[1])} end
  if verdict == 'conflict' then
    log(KEYS[2], logTtl, logMax, now, userId, orderId, 'rejected', 'ORDER_CONFLICT', logged)
    return {'conflict'}
  end
end
log(KEYS[2], logTtl, logMax, now, userId, orderId, 'rejected', ARGV[4], logged)
if ARGV[10] ~= '0' then
  local fields = {'status', 'rejected', 'reason', ARGV[4], 'user', userId, 'at', now}
  if orderId ~= '' then table.insert(fields, 'order'); table.insert(fields, orderId) end
  if logged then table.insert(fields, 'code'); table.insert(fields, logged) end
  for i = 1, 4 do
    table.insert(fields, REMAINING_FIELDS[i]); table.insert(fields, ARGV[4 + i])
  end
  keepOutcome(KEYS[1], now, ARGV[10], ARGV[3], fields)
  indexOutcome(KEYS[3], KEYS[1], ARGV[10])
end
return {'kept'}
