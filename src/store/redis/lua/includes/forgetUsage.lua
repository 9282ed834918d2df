-- Removes one user's counters of a coupon: the user total and the user's count in every day and
-- week window hash the coupon lists (ended periods not yet reset included). The global count is
-- left alone (ledger.ERASURE_KEEPS_GLOBAL_USED). Returns how many counters there were.
-- The window hashes are named by the index, not by KEYS: all carry the coupon's {CODE} tag (only
-- redeem adds names there), so they share the slot of the keys the caller declared.
local function forgetUsage(totals, windowIndex, userId)
  local removed = redis.call('HDEL', totals, userId)
  for _, name in ipairs(redis.call('SMEMBERS', windowIndex)) do
    removed = removed + redis.call('HDEL', name, userId)
  end
  return removed
end
