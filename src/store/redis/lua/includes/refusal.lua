-- Mirrors decide's order of the counting refusals: unique-codes.codeRefusal (revoked, then the
-- code's own uses plus its live holds against its limit; field '' for a plain code), then
-- decide.firstFullCounter over `used` (uses plus live holds) against the limits in ARGV[4..7]
-- (-1 unlimited). Returns the reason, or false.
local function refusal(field, codeLimit, revokedKey, codeUsesKey, codeHeld, used)
  if field ~= '' then
    if redis.call('HEXISTS', revokedKey, field) == 1 then return 'CODE_REVOKED' end
    if codeLimit >= 0 and
        tonumber(redis.call('HGET', codeUsesKey, field) or '0') + codeHeld >= codeLimit then
      return 'CODE_LIMIT_REACHED'
    end
  end
  for i = 1, 4 do
    local limit = tonumber(ARGV[3 + i])
    if limit >= 0 and used[i] >= limit then return LIMIT_REASONS[i] end
  end
  return false
end
