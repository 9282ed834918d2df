--[[
  Revoke one unique code of the coupon with this birth id, in one step with respect to redeem.
  Mirrors UsageLedger.revokeCode in the memory store. Only the birth id is checked (the half of
  ledger.isSameCoupon that tells coupons apart): an edit of the coupon leaves its codes as they are.

  KEYS: 1 coupon hash, 2 revoked codes hash
  ARGV: 1 coupon born, 2 the code's field (keys.codeField), 3 now (ms)
  Returns 'revoked', 'already-revoked' or 'stale' (no coupon, or another one under the code).
]]
if redis.call('HGET', KEYS[1], 'born') ~= ARGV[1] then return 'stale' end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) == 0 then return 'already-revoked' end
return 'revoked'
