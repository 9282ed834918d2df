--[[
  Keep and log a rejection by a coupon- or user-level rule, which counts nothing, after meeting
  what is kept under the outcome key. Mirrors UsageLedger.recordRejection in the memory store.

  KEYS: 1 outcome, 2 redemption log
  ARGV: 1 userId, 2 orderId ('' for none), 3 publication, 4 reason, 5-8 remaining ('' for
        unlimited), 9 now (ms), 10 outcome TTL ms (0: keep nothing), 11 log TTL ms
  Returns {'replay', record} | {'conflict'} | {'kept'}
]]
--- @include "includes/counters"
--- @include "includes/verdicts"
--- @include "includes/log"
--- @include "includes/keepOutcome"
local userId, orderId, now = ARGV[1], ARGV[2], ARGV[9]
local keeps = ARGV[10] ~= '0'
if keeps then
  local verdict = redeemVerdict(KEYS[1], userId, ARGV[3], now)
  if verdict == 'replay' then return {'replay', redis.call('HGETALL', KEYS[1])} end
  if verdict == 'conflict' then
    log(KEYS[2], ARGV[11], now, userId, orderId, 'rejected', 'ORDER_CONFLICT')
    return {'conflict'}
  end
end
log(KEYS[2], ARGV[11], now, userId, orderId, 'rejected', ARGV[4])
if keeps then
  local fields = {'status', 'rejected', 'reason', ARGV[4], 'user', userId, 'at', now}
  if orderId ~= '' then table.insert(fields, 'order'); table.insert(fields, orderId) end
  for i = 1, 4 do
    table.insert(fields, REMAINING_FIELDS[i]); table.insert(fields, ARGV[4 + i])
  end
  keepOutcome(KEYS[1], now, ARGV[10], ARGV[3], fields)
end
return {'kept'}
