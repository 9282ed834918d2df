--[[
  Replace a coupon if it is still the one read (birth id and version), with the next version.
  KEYS: 1 coupon hash. ARGV: 1 data JSON, 2 expected birth id, 3 expected version.
  Returns 'saved', 'not-found' or 'conflict'.
]]
local stored = redis.call('HMGET', KEYS[1], 'born', 'v')
if not stored[1] then return 'not-found' end
-- Mirrors ledger.isSameCoupon.
if stored[1] ~= ARGV[2] or stored[2] ~= ARGV[3] then return 'conflict' end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'v', tonumber(stored[2]) + 1)
return 'saved'
