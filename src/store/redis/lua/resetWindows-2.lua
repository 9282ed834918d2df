--[[
  Free one coupon's window hashes of one kind whose periods ledger.resetFrees picks (the names
  come from the coupon's window index, all in the coupon's slot), and make the cutoff the newest
  period, so a request still stamped with an earlier one counts in it. Mirrors
  UsageLedger.resetWindows in the memory store.

  KEYS: 1 window index set, 2 newest periods hash
  ARGV: 1 kind ('day' or 'week'), 2 name prefix of that kind's hashes ("<prefix>:{CODE}:day:"),
        3 cutoff period, 4 '1' to free the cutoff period too
  Returns {freed counters, period, period, ...} (the periods whose counters were freed).
]]
local cutoff, includeCutoff = ARGV[3], ARGV[4] == '1'
-- Mirrors ledger.resetFrees.
local function resetFrees(period)
  if includeCutoff then return period <= cutoff end
  return period < cutoff
end

local reply = {0}
local prefixLength = #ARGV[2]
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local period = string.sub(name, prefixLength + 1)
  if string.sub(name, 1, prefixLength) == ARGV[2] and resetFrees(period) then
    local counters = redis.call('HLEN', name)
    if counters > 0 then
      reply[1] = reply[1] + counters
      table.insert(reply, period)
    end
    -- A big hash is freed in the background: the reset does not stall Redis.
    redis.call('UNLINK', name)
    redis.call('SREM', KEYS[1], name)
  end
end
local newest = redis.call('HGET', KEYS[2], ARGV[1])
if not newest or newest < cutoff then redis.call('HSET', KEYS[2], ARGV[1], cutoff) end
-- A manual reset starts a new generation (ledger.ResetGenerations): rollbacks of uses counted
-- before it give nothing back to the window.
if includeCutoff then redis.call('HINCRBY', KEYS[2], ARGV[1] .. 'Resets', 1) end
return reply
