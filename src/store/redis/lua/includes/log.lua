-- Appends one entry to a coupon's redemption log: a stream whose ids carry the caller's time
-- (never going back), trimmed to the last ttl ms of that clock and to its newest maxEntries
-- entries, gone by itself ttl ms after its last entry.
-- A ttl of '0' logs nothing; an orderId of '' and a reason or uniqueCode of false or nil are left
-- out.
--
-- Each entry also counts in its day's statistics (mirrors MemoryData.count, domain/stats.ts
-- statsFields): a hash (keys.stats of the day of now in COUPON_TZ), field status +1 and, for a
-- refusal, 'r:' reason +1, gone at statsExpireAt (ms; stats.statsExpireAt). A script that
-- includes this file takes that hash as its last KEY and statsExpireAt ('0': count nothing) as
-- its last ARGV.
local statsKey, statsExpireAt = KEYS[#KEYS], ARGV[#ARGV]

local function log(key, ttl, maxEntries, now, userId, orderId, status, reason, uniqueCode)
  if statsExpireAt ~= '0' then
    -- The expiry is the same all day: set with each field's first count, the key's among them.
    if redis.call('HINCRBY', statsKey, status, 1) == 1 then
      redis.call('PEXPIREAT', statsKey, statsExpireAt)
    end
    if status == 'rejected' and reason then redis.call('HINCRBY', statsKey, 'r:' .. reason, 1) end
  end
  if ttl == '0' then return end
  local fields = {'at', now, 'u', userId, 's', status}
  if orderId ~= '' then table.insert(fields, 'o'); table.insert(fields, orderId) end
  if reason then table.insert(fields, 'r'); table.insert(fields, reason) end
  if uniqueCode then table.insert(fields, 'c'); table.insert(fields, uniqueCode) end
  local minId = string.format('%d', math.max(tonumber(now) - tonumber(ttl) + 1, 0))
  local added = redis.pcall('XADD', key, 'MINID', '~', minId, now .. '-*', unpack(fields))
  if type(added) == 'table' and added.err then
    -- Another caller's clock is ahead: append after the newest id the stream gave, which may be
    -- an entry erased since (XDEL), so it is read from the stream's info, not from its entries.
    local info = redis.call('XINFO', 'STREAM', key)
    local last
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then last = info[i + 1] end
    end
    added = redis.call('XADD', key, 'MINID', '~', minId, string.match(last, '^%d+') .. '-*',
      unpack(fields))
  end
  -- Exact, so the cap holds to the entry; one entry goes per append once the log is full.
  if redis.call('XLEN', key) > tonumber(maxEntries) then
    redis.call('XTRIM', key, 'MAXLEN', maxEntries)
  end
  redis.call('PEXPIRE', key, ttl)
end
