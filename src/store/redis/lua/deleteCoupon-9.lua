--[[
  Delete a coupon with its usage, its unique codes' uses and revocations and its holds (a coupon created
  again under the code starts afresh); kept outcomes and the log stay until their TTL. Mirrors
  CouponRepository.delete in the memory store.
  KEYS: 1 coupon hash, 2 global used, 3 user totals, 4 newest periods, 5 window index,
        6 code uses hash, 7 revoked codes hash, 8 holds set, 9 held hash.
  ARGV: 1 the hold prefix (keys.holdPrefix): the holds' records are named by the holds set.
  Returns 1 if it existed.
  The window hashes, named by the window index, are not in KEYS (they are known only inside):
  redeem writes only names under this coupon's {CODE} tag there, so they are in KEYS' slot, the
  one a cluster lets a script reach.
]]
local existed = redis.call('DEL', KEYS[1])
for _, name in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('UNLINK', name) end
for _, orderId in ipairs(redis.call('ZRANGE', KEYS[8], 0, -1)) do
  redis.call('UNLINK', ARGV[1] .. orderId)
end
redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
return existed
