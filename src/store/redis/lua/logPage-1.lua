--[[
  A page of a redemption log, newest first, filtered by status and user, in one step. It stops
  after maxScan entries even if the page is not full, so a rare filter cannot block Redis long;
  the cursor then says where to go on. Entries older than the log TTL at `now` are left out.

  KEYS: 1 redemption log
  ARGV: 1 limit, 2 cursor ('' for the newest), 3 status ('' for any), 4 userId ('' for any),
        5 now (ms), 6 log TTL ms, 7 maxScan
  Returns {nextCursor or '', id1, fields1, id2, fields2, ...}.
]]
local limit, maxScan = tonumber(ARGV[1]), tonumber(ARGV[7])
local oldest = string.format('%d', math.max(tonumber(ARGV[5]) - tonumber(ARGV[6]) + 1, 0))
local from = ARGV[2] == '' and '+' or '(' .. ARGV[2]
local reply, found, scanned, last = {''}, 0, 0, nil
while found < limit and scanned < maxScan do
  local batch = redis.call('XREVRANGE', KEYS[1], from, oldest, 'COUNT', 100)
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
-- A cursor only when older entries remain.
if #redis.call('XREVRANGE', KEYS[1], from, oldest, 'COUNT', 1) > 0 then reply[1] = last end
return reply
