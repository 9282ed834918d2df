-- Writes a kept outcome record (fields in keys.redis.ts) in place of any earlier one, kept until
-- now + ttl by the caller's clock (`until`, which isKept reads). `fields` holds the outcome's own
-- fields. Redis frees the record ttl ms after writing it: a relative expiry, since an absolute one
-- by a caller's clock behind the server's would drop it at once.
local function keepOutcome(key, now, ttl, publication, fields)
  local untilMs = string.format('%d', tonumber(now) + tonumber(ttl))
  redis.call('DEL', key)
  table.insert(fields, 'by'); table.insert(fields, publication)
  table.insert(fields, 'until'); table.insert(fields, untilMs)
  redis.call('HSET', key, unpack(fields))
  redis.call('PEXPIRE', key, ttl)
end
