--[[
  Change a user's name or email if the user is still the one the caller read, moving the email
  index entry; an email is registered once in any letter case (its key is lower-cased).

  KEYS: 1 user, 2 old email, 3 new email
  ARGV: 1 user JSON as read, 2 new user JSON, 3 id
  Returns 'updated', 'not-found', 'email-taken' or 'changed' (read again and retry).
]]
local stored = redis.call('GET', KEYS[1])
if not stored then return 'not-found' end
if stored ~= ARGV[1] then return 'changed' end
local owner = redis.call('GET', KEYS[3])
if owner and owner ~= ARGV[3] then return 'email-taken' end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[3], ARGV[3])
end
return 'updated'
