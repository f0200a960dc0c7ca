-- Reads a session and refreshes its idle expiry, in one atomic step.
-- KEYS[1] session hash
-- ARGV[1] now (ms since epoch), ARGV[2] touch interval (ms)
-- Returns the hash as it was before the touch (field, value, ...), an empty list when there is
-- no live session, or {'!'} when the key holds something that is not a session.
local key = KEYS[1]
local fields = redis.pcall('HGETALL', key)
if fields.err then
  -- Something else sits under our key (WRONGTYPE): not a session; the caller starts a new one.
  return {'!'}
end
if #fields == 0 then
  return {}
end

-- A whole number of milliseconds that Lua's doubles hold exactly, or nil.
local function millis(value)
  local n = tonumber(value)
  if n and n == math.floor(n) and n >= 0 and n < 9007199254740992 then
    return n
  end
  return nil
end

local c, a, i, x
for n = 1, #fields, 2 do
  local f = fields[n]
  if f == '#c' then c = millis(fields[n + 1])
  elseif f == '#a' then a = millis(fields[n + 1])
  elseif f == '#i' then i = millis(fields[n + 1])
  elseif f == '#x' then x = millis(fields[n + 1]) end
end
if not (c and a and i and x) or i == 0 then
  -- Not one of our sessions (or corrupted): touched by nothing here; the caller refuses it.
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
  redis.call('PEXPIRE', key, string.format('%d', math.min(now + i, x) - now))
end
return fields
