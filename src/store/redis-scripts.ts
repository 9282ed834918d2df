/**
 * The store's Lua scripts: each runs atomically on the Redis server, one round trip. They hold no
 * coupon rules: the domain hands them counters and limits, they check and commit.
 */

/**
 * Check these counters against these limits in order and, unless one is full, count one use on
 * all of them; keep the outcome under its key in the same step.
 *
 * KEYS: 1 coupon hash, 2 global used, 3 user totals hash, 4 week hash, 5 day hash,
 *       6 outcome, 7 newest periods hash, 8 window index set
 * ARGV: 1 expected coupon version, 2 userId, 3-6 limits (global, user total, week, day; -1 for
 *       unlimited), 7 week, 8 day, 9 outcome TTL ms (0: no outcome key, keep nothing),
 *       10 outcome context, 11 day hash TTL ms, 12 week hash TTL ms
 * Returns {'first', record} | {'stale'} | {'behind', newestDay, newestWeek} | {'decided', record};
 * a record is "<index of the full counter, 0 for none>|<4 counts after>|<context>".
 */
export const REDEEM = `
if ARGV[9] ~= '0' then
  local first = redis.call('GET', KEYS[6])
  if first then return {'first', first} end
end
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return {'stale'} end
-- A request stamped with an earlier period than one already counted in (a clock behind the
-- others) must count in the newest period: send it back for those.
local newest = redis.call('HMGET', KEYS[7], 'day', 'week')
if (newest[1] and ARGV[8] < newest[1]) or (newest[2] and ARGV[7] < newest[2]) then
  return {'behind', newest[1] or ARGV[8], newest[2] or ARGV[7]}
end
local used = {
  tonumber(redis.call('GET', KEYS[2]) or '0'),
  tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0'),
  tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0'),
  tonumber(redis.call('HGET', KEYS[5], ARGV[2]) or '0'),
}
local full = 0
for i = 1, 4 do
  local limit = tonumber(ARGV[2 + i])
  if limit >= 0 and used[i] >= limit then
    full = i
    break
  end
end
if full == 0 then
  used[1] = redis.call('INCR', KEYS[2])
  used[2] = redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
  used[3] = redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
  used[4] = redis.call('HINCRBY', KEYS[5], ARGV[2], 1)
  redis.call('HSET', KEYS[7], 'day', ARGV[8], 'week', ARGV[7])
  redis.call('SADD', KEYS[8], KEYS[4], KEYS[5])
  -- A safety net: window hashes go by themselves once long over, even if no reset runs.
  redis.call('PEXPIRE', KEYS[4], ARGV[12])
  redis.call('PEXPIRE', KEYS[5], ARGV[11])
end
local record = full .. '|' .. table.concat(used, ',') .. '|' .. ARGV[10]
if ARGV[9] ~= '0' then redis.call('SET', KEYS[6], record, 'PX', ARGV[9]) end
return {'decided', record}
`;

/**
 * Read the counts of one user (or none) in the given day and week.
 *
 * KEYS: 1 global used, 2 user totals hash, 3 week hash, 4 day hash, 5 newest periods hash
 * ARGV: 1 userId ('' for none), 2 week, 3 day
 * Returns {'behind', newestDay, newestWeek} when a newer period has been counted in, else
 * {'counts', global, userTotal, week, day}.
 */
export const USAGE = `
local newest = redis.call('HMGET', KEYS[5], 'day', 'week')
if (newest[1] and ARGV[3] < newest[1]) or (newest[2] and ARGV[2] < newest[2]) then
  return {'behind', newest[1] or ARGV[3], newest[2] or ARGV[2]}
end
local global = redis.call('GET', KEYS[1]) or '0'
if ARGV[1] == '' then return {'counts', global, '0', '0', '0'} end
return {
  'counts', global,
  redis.call('HGET', KEYS[2], ARGV[1]) or '0',
  redis.call('HGET', KEYS[3], ARGV[1]) or '0',
  redis.call('HGET', KEYS[4], ARGV[1]) or '0',
}
`;

/**
 * Delete one coupon's window hashes of one kind from periods before the current one (the names
 * come from the coupon's window index, all in the coupon's slot), and make the current period the
 * newest, so a request still stamped with an ended one counts in the current one.
 *
 * KEYS: 1 window index set, 2 newest periods hash
 * ARGV: 1 kind ('day' or 'week'), 2 name prefix of that kind's hashes ("<prefix>:{CODE}:day:"),
 *       3 current period
 * Returns how many per-user counters were deleted.
 */
export const CLEAR_ENDED_WINDOWS = `
local cleared = 0
local prefixLength = #ARGV[2]
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.sub(name, 1, prefixLength) == ARGV[2] and string.sub(name, prefixLength + 1) < ARGV[3] then
    cleared = cleared + redis.call('HLEN', name)
    redis.call('DEL', name)
    redis.call('SREM', KEYS[1], name)
  end
end
local newest = redis.call('HGET', KEYS[2], ARGV[1])
if not newest or newest < ARGV[3] then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) end
return cleared
`;

/**
 * Create a coupon unless the code is taken, with the code's next version.
 * KEYS: 1 coupon hash, 2 the code's last version. ARGV: 1 data JSON.
 * Returns 1 when created, 0 when taken.
 */
export const CREATE_COUPON = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'v', redis.call('INCR', KEYS[2]))
return 1
`;

/**
 * Replace a coupon if it is still at the expected version, giving it the code's next version.
 * KEYS: 1 coupon hash, 2 the code's last version. ARGV: 1 data JSON, 2 expected version.
 * Returns 'saved', 'not-found' or 'conflict'.
 */
export const SAVE_COUPON = `
local version = redis.call('HGET', KEYS[1], 'v')
if not version then return 'not-found' end
if version ~= ARGV[2] then return 'conflict' end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'v', redis.call('INCR', KEYS[2]))
return 'saved'
`;

/**
 * Keep a rejection as the first outcome under its key, unless one is kept there already.
 * KEYS: 1 outcome. ARGV: 1 record, 2 TTL ms. Returns the record that stands.
 */
export const RECORD_OUTCOME = `
local first = redis.call('GET', KEYS[1])
if first then return first end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`;

/**
 * Delete a coupon with its usage; outcomes stay until their TTL. KEYS: 1 coupon hash,
 * 2 global used, 3 user totals, 4 newest periods, 5 window index. Returns 1 if it existed.
 */
export const DELETE_COUPON = `
local existed = redis.call('DEL', KEYS[1])
for _, name in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('DEL', name) end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return existed
`;

/**
 * Register a user unless the id or email is taken. KEYS: 1 user, 2 email, 3 user index.
 * ARGV: 1 user JSON, 2 id. Returns 'created', 'id-taken' or 'email-taken'.
 */
export const CREATE_USER = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'id-taken' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'email-taken' end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[2])
return 'created'
`;
