--[[
  Delete a coupon with its usage and its unique codes' uses and revocations (a coupon created
  again under the code starts afresh); kept outcomes and the log stay until their TTL. Mirrors
  CouponRepository.delete in the memory store.
  KEYS: 1 coupon hash, 2 global used, 3 user totals, 4 newest periods, 5 window index,
        6 code uses hash, 7 revoked codes hash.
  Returns 1 if it existed.
  The window hashes, named by the window index, are not in KEYS (they are known only inside):
  redeem writes only names under this coupon's {CODE} tag there, so they are in KEYS' slot, the
  one a cluster lets a script reach.
]]
local existed = redis.call('DEL', KEYS[1])
for _, name in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('UNLINK', name) end
redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
return existed
