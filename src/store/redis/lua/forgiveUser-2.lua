--[[
  Forgive one user on one coupon: their total, daily and weekly counts go to 0; the global count
  and kept outcomes stay. Mirrors UsageLedger.forgive in the memory store.

  KEYS: 1 user totals hash, 2 window index set
  ARGV: 1 userId
  Returns how many counters were removed.
]]
--- @include "includes/forgetUsage"
return forgetUsage(KEYS[1], KEYS[2], ARGV[1])
