-- Counts one new idempotency record of a scope in the current clock hour (server clock), unless the
-- scope already made its limit. KEYS[1] counter hash: w hour number, n records in it.
-- ARGV[1] limit. Returns 0 when counted, else the ms left of the hour.
if redis.replicate_commands then
  redis.replicate_commands()
end
local key = KEYS[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local hour = math.floor(now / 3600000)
local record = redis.call('HMGET', key, 'w', 'n')
local count = 0
if tonumber(record[1]) == hour then
  count = tonumber(record[2]) or 0
end
local left = (hour + 1) * 3600000 - now
if count >= tonumber(ARGV[1]) then
  return left
end
redis.call('HSET', key, 'w', hour, 'n', count + 1)
redis.call('PEXPIRE', key, left + 1000)
return 0
