--[[
  Read the counts of one user (or none) in the given day and week.

  KEYS: 1 global used, 2 user totals hash, 3 week hash, 4 day hash, 5 newest periods hash
  ARGV: 1 userId ('' for none), 2 week, 3 day
  Returns {'behind', day, week} when later periods have been counted in, else
          {'counts', global, userTotal, week, day}.
]]
--- @include "includes/countingPeriods"
local day, week = countingPeriods(KEYS[5], ARGV[3], ARGV[2])
if day ~= ARGV[3] or week ~= ARGV[2] then return {'behind', day, week} end
local global = redis.call('GET', KEYS[1]) or '0'
if ARGV[1] == '' then return {'counts', global, '0', '0', '0'} end
return {
  'counts', global,
  redis.call('HGET', KEYS[2], ARGV[1]) or '0',
  redis.call('HGET', KEYS[3], ARGV[1]) or '0',
  redis.call('HGET', KEYS[4], ARGV[1]) or '0',
}
