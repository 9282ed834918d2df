-- Writes a kept outcome record (fields in keys.redis.ts) in place of any earlier one, kept until
-- now + ttl by the caller's clock (`until`, which isKept reads). `fields` holds the outcome's own
-- fields. Redis frees the record ttl ms after writing it: a relative expiry, since an absolute one
-- by a caller's clock behind the server's would drop it at once.
local function keepOutcome(key, now, ttl, publication, fields)
  -- Mirrors ledger.rollbacksToCarry: the rollbacks of the replaced record stay known.
  local old = redis.call('HGETALL', key)
  if #old > 0 then
    local replaced = {}
    for i = 1, #old, 2 do replaced[old[i]] = old[i + 1] end
    for field, value in pairs(replaced) do
      if string.sub(field, 1, 5) == 'past:' then
        table.insert(fields, field); table.insert(fields, value)
      end
    end
    if replaced.rbBy and replaced.rbBy ~= '' then
      for i = 1, 4 do
        table.insert(fields, 'past:' .. replaced.rbBy .. ':' .. RESTORED_FIELDS[i])
        table.insert(fields, replaced[RESTORED_FIELDS[i]])
      end
    end
    redis.call('DEL', key)
  end
  local untilMs = string.format('%d', tonumber(now) + tonumber(ttl))
  table.insert(fields, 'by'); table.insert(fields, publication)
  table.insert(fields, 'until'); table.insert(fields, untilMs)
  redis.call('HSET', key, unpack(fields))
  redis.call('PEXPIRE', key, ttl)
end

-- Lists an outcome record in the set of its user's outcomes of this coupon, which lives as long
-- as the longest-kept of them, so a user's outcomes can be found without scanning the keyspace
-- (eraseUser). A member whose record expired or was replaced is skipped there.
local function indexOutcome(set, key, ttl)
  redis.call('SADD', set, key)
  if redis.call('PTTL', set) < tonumber(ttl) then redis.call('PEXPIRE', set, ttl) end
end
