--[[
  Remove a user with their email index entry, if the user is still the one the caller read (so
  the email key is the right one).
  KEYS: 1 user, 2 email, 3 user index. ARGV: 1 id, 2 user JSON as read.
  Returns 1 if removed, 0 if there was no user, 'changed' (read again and retry).
]]
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
if stored ~= ARGV[2] then return 'changed' end
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
