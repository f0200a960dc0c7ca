-- Reads a session and refreshes its idle expiry, in one atomic step.
-- KEYS[1] session hash
-- ARGV[1] now (ms since epoch), ARGV[2] touch interval (ms)
-- Returns the hash as it was before the touch (field, value, ...), an empty list when there is
-- no live session, or {'!'} when the key holds something that is not a session.
local key = KEYS[1]
local kind = redis.call('TYPE', key).ok
if kind ~= 'hash' then
  if kind == 'none' then
    return {}
  end
  -- Something else sits under our key: not a session; the caller starts a new one.
  return {'!'}
end
local fields = redis.call('HGETALL', key)
local a, i, x
for n = 1, #fields, 2 do
  local f = fields[n]
  if f == '#a' then a = tonumber(fields[n + 1])
  elseif f == '#i' then i = tonumber(fields[n + 1])
  elseif f == '#x' then x = tonumber(fields[n + 1]) end
end
if not (a and i and x) then
  -- Not one of our sessions (or corrupted): the caller refuses it and starts a new one.
  return fields
end
local now = tonumber(ARGV[1])
local expiry = math.min(a + i, x)
if now >= expiry then
  redis.call('DEL', key)
  return {}
end
if now - a >= tonumber(ARGV[2]) then
  redis.call('HSET', key, '#a', ARGV[1])
  redis.call('PEXPIRE', key, math.min(now + i, x) - now)
end
return fields
