import { COUNTER_NAMES } from '../domain/coupon.js';
import { LIMIT_REASONS } from '../domain/decide.js';

/**
 * The store's Lua scripts: each runs atomically on the Redis server, one round trip. They hold no
 * coupon rules: the domain hands them counters and limits, they check and commit.
 */

/**
 * `log(key, ttl, at, userId, orderId, status, reason)`: append a decision to a coupon's redemption
 * log, a stream trimmed to the last `ttl` ms (by the server's clock) that goes by itself when idle.
 * A ttl of '0' logs nothing; an orderId of '' and a reason of false are left out.
 */
const LOG_FUNCTION = `
local function log(key, ttl, at, userId, orderId, status, reason)
  if ttl == '0' then return end
  local time = redis.call('TIME')
  local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ttl)
  local fields = {'at', at, 'u', userId, 's', status}
  if orderId ~= '' then table.insert(fields, 'o'); table.insert(fields, orderId) end
  if reason then table.insert(fields, 'r'); table.insert(fields, reason) end
  redis.call('XADD', key, 'MINID', '~', string.format('%d', math.max(oldest, 0)), '*', unpack(fields))
  redis.call('PEXPIRE', key, ttl)
end
-- A rolled-back redemption ("B|<record>") is no first outcome: the order is decided afresh.
local function firstOutcome(key)
  local first = redis.call('GET', key)
  if first and string.sub(first, 1, 2) ~= 'B|' then return first end
  return nil
end
`;

/** The domain's counter reasons, in COUNTER_NAMES order: the index REDEEM reports as `full`. */
const LIMIT_REASONS_TABLE = `
local LIMIT_REASONS = {${COUNTER_NAMES.map((name) => `'${LIMIT_REASONS[name]}'`).join(', ')}}
`;

/**
 * Check these counters against these limits in order and, unless one is full, count one use on
 * all of them; keep the outcome under its key in the same step.
 *
 * KEYS: 1 coupon hash, 2 global used, 3 user totals hash, 4 week hash, 5 day hash,
 *       6 outcome, 7 newest periods hash, 8 window index set, 9 redemption log
 * ARGV: 1 expected coupon version, 2 userId, 3-6 limits (global, user total, week, day; -1 for
 *       unlimited), 7 week, 8 day, 9 outcome TTL ms (0: no outcome key, keep nothing),
 *       10 outcome context, 11 day hash TTL ms, 12 week hash TTL ms, 13 log TTL ms,
 *       14 time (ISO), 15 orderId ('' for none)
 * Returns {'first', record} | {'stale'} | {'behind', newestDay, newestWeek} |
 * {'decided', index of the full counter (0 for none), the 4 counts after}; a record is "<index of the full counter, 0 for none>|<4 counts after>|<the coupon's birth
 * version>|<week>|<day>|<context>": what a rollback needs to give the use back.
 */
export const REDEEM = `${LOG_FUNCTION}${LIMIT_REASONS_TABLE}
if ARGV[9] ~= '0' then
  local first = firstOutcome(KEYS[6])
  if first then return {'first', first} end
end
local coupon = redis.call('HMGET', KEYS[1], 'v', 'born')
if coupon[1] ~= ARGV[1] then return {'stale'} end
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
-- Logged before any write: a script that fails half-way keeps what it wrote.
log(KEYS[9], ARGV[13], ARGV[14], ARGV[2], ARGV[15], full == 0 and 'accepted' or 'rejected',
  LIMIT_REASONS[full] or false)
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
if ARGV[9] ~= '0' then
  local record = full .. '|' .. table.concat(used, ',') .. '|' .. (coupon[2] or '') .. '|' ..
    ARGV[7] .. '|' .. ARGV[8] .. '|' .. ARGV[10]
  redis.call('SET', KEYS[6], record, 'PX', ARGV[9])
end
return {'decided', full, table.concat(used, ',')}
`;

/**
 * Give back the use of an order's accepted redemption, unless it was given back already.
 *
 * KEYS: 1 outcome, 2 coupon hash, 3 global used, 4 user totals hash, 5 current week hash,
 *       6 current day hash, 7 newest periods hash, 8 redemption log
 * ARGV: 1 userId, 2 current week, 3 current day, 4 log TTL ms, 5 time (ISO), 6 orderId
 * Returns {'not-found'} | {'already'} | {'behind', newestDay, newestWeek} |
 * {'rolled-back', global, userTotal, week, day} (1 where a use was given back).
 */
export const ROLLBACK = `${LOG_FUNCTION}
local record = redis.call('GET', KEYS[1])
if not record then return {'not-found'} end
local rolledBack = string.sub(record, 1, 2) == 'B|'
if rolledBack then record = string.sub(record, 3) end
local full, born, week, day, context =
  string.match(record, '^(%d+)|[^|{]*|([^|{]*)|([^|{]*)|([^|{]*)|({.*)$')
if not full then
  -- A record from before rollbacks ("full|used|context"): its periods are unknown.
  full, context = string.match(record, '^(%d+)|[^|{]*|({.*)$')
  born, week, day = '', '', ''
end
if full ~= '0' or cjson.decode(context).request.userId ~= ARGV[1] then return {'not-found'} end
if rolledBack then return {'already'} end
local newest = redis.call('HMGET', KEYS[7], 'day', 'week')
if (newest[1] and ARGV[3] < newest[1]) or (newest[2] and ARGV[2] < newest[2]) then
  return {'behind', newest[1] or ARGV[3], newest[2] or ARGV[2]}
end
local function takeBack(hash, userId)
  if tonumber(redis.call('HGET', hash, userId) or '0') <= 0 then return 0 end
  if redis.call('HINCRBY', hash, userId, -1) == 0 then redis.call('HDEL', hash, userId) end
  return 1
end
log(KEYS[8], ARGV[4], ARGV[5], ARGV[1], ARGV[6], 'rolled-back', false)
local restored = {0, 0, 0, 0}
-- Only the coupon the use was counted on: not one deleted and created again since.
if (redis.call('HGET', KEYS[2], 'born') or '') == born then
  if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then
    redis.call('DECR', KEYS[3])
    restored[1] = 1
  end
  restored[2] = takeBack(KEYS[4], ARGV[1])
  if week == ARGV[2] then restored[3] = takeBack(KEYS[5], ARGV[1]) end
  if day == ARGV[3] then restored[4] = takeBack(KEYS[6], ARGV[1]) end
end
redis.call('SET', KEYS[1], 'B|' .. record, 'KEEPTTL')
return {'rolled-back', restored[1], restored[2], restored[3], restored[4]}
`;

/**
 * A page of a redemption log, newest first, filtered by status and user, in one step. It stops
 * after `maxScan` entries even if the page is not full, so a rare filter cannot block Redis long;
 * the cursor then says where to go on.
 *
 * KEYS: 1 redemption log
 * ARGV: 1 limit, 2 cursor ('' for the newest), 3 status ('' for any), 4 userId ('' for any),
 *       5 log TTL ms, 6 maxScan
 * Returns {nextCursor or '', id1, fields1, id2, fields2, ...}.
 */
export const LOG_PAGE = `
local limit, maxScan = tonumber(ARGV[1]), tonumber(ARGV[6])
local time = redis.call('TIME')
local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[5])
local from = ARGV[2] == '' and '+' or '(' .. ARGV[2]
local reply, found, scanned, last = {''}, 0, 0, nil
while found < limit and scanned < maxScan do
  local batch = redis.call('XREVRANGE', KEYS[1], from, string.format('%d', math.max(oldest, 0)), 'COUNT', 100)
  for _, entry in ipairs(batch) do
    scanned = scanned + 1
    last = entry[1]
    local fields = {}
    for i = 1, #entry[2], 2 do fields[entry[2][i]] = entry[2][i + 1] end
    if (ARGV[3] == '' or fields.s == ARGV[3]) and (ARGV[4] == '' or fields.u == ARGV[4]) then
      table.insert(reply, entry[1])
      table.insert(reply, entry[2])
      found = found + 1
    end
    if found == limit or scanned == maxScan then break end
  end
  if #batch < 100 and found < limit and scanned < maxScan then return reply end
  from = '(' .. last
end
reply[1] = last
return reply
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
    -- A big hash is freed in the background: the reset does not stall Redis.
    redis.call('UNLINK', name)
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
local version = redis.call('INCR', KEYS[2])
-- 'born' tells this coupon's uses from those of a coupon deleted before it under the same code.
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'v', version, 'born', version)
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
 * Keep a rejection as the first outcome under its key, unless one is kept there already, and log it.
 * KEYS: 1 outcome, 2 redemption log. ARGV: 1 record, 2 TTL ms (0: no outcome key, keep nothing),
 * 3 log TTL ms, 4 time (ISO), 5 userId, 6 orderId ('' for none), 7 reason.
 * Returns the record that stands.
 */
export const RECORD_OUTCOME = `${LOG_FUNCTION}
if ARGV[2] ~= '0' then
  local first = firstOutcome(KEYS[1])
  if first then return first end
end
log(KEYS[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], 'rejected', ARGV[7])
if ARGV[2] ~= '0' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return ARGV[1]
`;

/**
 * Delete a coupon with its usage; outcomes stay until their TTL. KEYS: 1 coupon hash,
 * 2 global used, 3 user totals, 4 newest periods, 5 window index. Returns 1 if it existed.
 */
export const DELETE_COUPON = `
local existed = redis.call('DEL', KEYS[1])
for _, name in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('UNLINK', name) end
redis.call('UNLINK', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
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
