-- Refreshes a session's idle expiry as a load would, without reading its attributes; never
-- creates a session and never brings one back. Ignores the session lock.
-- KEYS[1] session hash
-- ARGV[1] now (ms since epoch), ARGV[2] touch interval (ms)
-- Returns 1 when the last access was written, 0 otherwise (no session, expired, not ours, or
-- touched within the interval).
local key = KEYS[1]
local m = redis.pcall('HMGET', key, '#a', '#i', '#x')
if m.err then
  return 0
end

-- A whole number of milliseconds that Lua's doubles hold exactly, or nil.
local function millis(value)
  local n = tonumber(value)
  if n and n == math.floor(n) and n >= 0 and n < 9007199254740992 then
    return n
  end
  return nil
end

local a, i, x = millis(m[1]), millis(m[2]), millis(m[3])
if not (a and i and x) then
  return 0
end
local now = tonumber(ARGV[1])
local function expiry(last)
  if i == 0 then return x end
  return math.min(last + i, x)
end
if now >= expiry(a) then
  redis.call('DEL', key)
  return 0
end
if now - a < tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', key, '#a', ARGV[1])
redis.call('PEXPIRE', key, string.format('%d', expiry(now) - now))
return 1
