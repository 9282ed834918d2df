--[[
  Create a coupon unless the code is taken, with its birth id and version 1.
  KEYS: 1 coupon hash. ARGV: 1 data JSON, 2 birth id. Returns 1 when created, 0 when taken.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'born', ARGV[2], 'v', 1)
return 1
