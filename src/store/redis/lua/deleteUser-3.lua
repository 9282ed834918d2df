--[[
  Remove a user with their email index entry.
  KEYS: 1 user, 2 email, 3 user index. ARGV: 1 id.
  Returns 1 if the user existed.
]]
local existed = redis.call('DEL', KEYS[1])
if existed == 1 and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('ZREM', KEYS[3], ARGV[1])
return existed
