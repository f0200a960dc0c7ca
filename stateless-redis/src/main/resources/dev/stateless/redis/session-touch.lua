-- Refreshes a session's idle expiry as a load would, without reading its attributes; never
-- creates a session and never brings one back; writes nothing when the metadata cannot be read.
-- Ignores the session lock.
-- KEYS[1] session hash
-- ARGV[1] now (ms since epoch), ARGV[2] touch interval (ms)
-- Returns 1 when the last access was written, 0 otherwise (no session, expired, not ours, or
-- touched within the interval).
local key = KEYS[1]
local m = redis.pcall('HGET', key, '#m')
if type(m) == 'table' then
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

local v, a, i, x, c
if m then
  local sv, sc, sa, si, sx = string.match(m, '^(%d+):(%d+):(%d+):(%d+):(%d+)$')
  v, c, a, i, x = millis(sv), millis(sc), millis(sa), millis(si), millis(sx)
  if not v or not c then
    return 0
  end
else
  -- written before '#m' (see session-load.lua)
  local o = redis.call('HMGET', key, '#c', '#a', '#i', '#x')
  c, a, i, x = millis(o[1]), millis(o[2]), millis(o[3]), millis(o[4])
end
if not (c and a and i and x) then
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
if m then
  redis.call('HSET', key, '#m', string.format('%d:%d:%d:%d:%d', v, c, now, i, x))
else
  redis.call('HSET', key, '#a', ARGV[1])
end
redis.call('PEXPIRE', key, string.format('%d', expiry(now) - now))
return 1
