--[[
  Erase one user from one coupon, in one step with respect to its redemptions: their counters
  (as forgiveUser), the outcomes kept for their orders (found through the user's outcome set, each
  checked to still be theirs), their holds and their entries in the redemption log. The global count stays
  (ledger.ERASURE_KEEPS_GLOBAL_USED). Mirrors UsageLedger.eraseUser in the memory store.

  Cost: O(the user's outcome set + the coupon's window hashes + the log's length); the log is at
  most REDEMPTION_LOG_MAX_ENTRIES entries, read 1,000 at a time.

  KEYS: 1 user totals hash, 2 window index set, 3 the user's outcome set, 4 redemption log,
        5 holds set, 6 held hash
  ARGV: 1 userId, 2 now (ms), 3 log TTL ms, 4 the hold prefix (keys.holdPrefix)
  The outcome records named by KEYS[3] (and the window hashes, see forgetUsage) carry this
  coupon's {CODE} tag like KEYS, so the script stays in one cluster slot.
  Returns {usage counters, outcomes, log entries} removed (holds count as usage counters);
  outcomes and log entries count only those still kept at `now`.
  Holds cost O(the coupon's holds) here, read only when the user holds any.
  Last KEY: the statistics of the day of now; last ARGV: their TTL ms (see includes/log.lua).
]]
--- @include "includes/forgetUsage"
--- @include "includes/log"
--- @include "includes/holds"
local userId, now = ARGV[1], tonumber(ARGV[2])
local counters = forgetUsage(KEYS[1], KEYS[2], userId)
if redis.call('HEXISTS', KEYS[6], 'u:' .. userId) == 1 then
  for _, orderId in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
    local hold = redis.call('HMGET', ARGV[4] .. orderId, 'user', 'exp')
    if hold[1] == userId then
      dropHold(KEYS[5], KEYS[6], ARGV[4], orderId)
      -- A hold expired already held nothing: it is dropped, not counted.
      if tonumber(hold[2]) > now then counters = counters + 1 end
    end
  end
end

local outcomes = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local record = redis.call('HMGET', key, 'user', 'until')
  if record[1] == userId then
    redis.call('DEL', key)
    if tonumber(record[2]) > now then outcomes = outcomes + 1 end
  end
end
redis.call('DEL', KEYS[3])

-- Mirrors CouponLog.erase: entries at or before now - TTL are past the log TTL (logPage).
local oldest = now - tonumber(ARGV[3])
local entries, from = 0, '-'
while true do
  local batch = redis.call('XRANGE', KEYS[4], from, '+', 'COUNT', 1000)
  local ids = {}
  for _, entry in ipairs(batch) do
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'u' then
        if fields[i + 1] == userId then
          table.insert(ids, entry[1])
          if tonumber(string.match(entry[1], '^%d+')) > oldest then entries = entries + 1 end
        end
        break
      end
    end
  end
  if #ids > 0 then redis.call('XDEL', KEYS[4], unpack(ids)) end
  if #batch < 1000 then break end
  from = '(' .. batch[#batch][1]
end
return {counters, outcomes, entries}
