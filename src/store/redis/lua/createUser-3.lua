--[[
  Register a user unless the id or email is taken.
  KEYS: 1 user, 2 email, 3 user index. ARGV: 1 user JSON, 2 id.
  Returns 'created', 'id-taken' or 'email-taken'.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 'id-taken' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'email-taken' end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[2])
return 'created'
