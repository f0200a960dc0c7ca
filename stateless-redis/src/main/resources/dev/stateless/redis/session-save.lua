-- Writes a session delta and its expiry in one atomic step. Never brings back a session that
-- is gone: an existing session is only changed while it still exists and has not expired.
-- KEYS[1] session hash
-- ARGV[1] now (ms), ARGV[2] '1' when the session is new, ARGV[3] created (ms),
-- ARGV[4] idle timeout (ms), ARGV[5] absolute expiry (ms),
-- ARGV[6] new idle timeout (ms) or '', ARGV[7] principal or '',
-- ARGV[8] the saver's lock token or '' (it then releases the lock if it still holds it),
-- ARGV[9] number of attributes set (n), then n field/value pairs, then the fields to delete.
-- An idle timeout of 0 means no idle expiry. The lock never stops a write.
-- Returns 1 when written, 0 when the session is gone, 2 when written but the saver's lock was no
-- longer its own (its lease ended and another request took or released it); an error reply
-- starting with CORRUPT, writing nothing, when the key holds something that is not a session.
local key = KEYS[1]
local now = tonumber(ARGV[1])

-- A whole number of milliseconds that Lua's doubles hold exactly, or nil.
local function millis(value)
  local n = tonumber(value)
  if n and n == math.floor(n) and n >= 0 and n < 9007199254740992 then
    return n
  end
  return nil
end

local function expiry(a, i, x)
  if i == 0 then return x end
  return math.min(a + i, x)
end

-- The metadata the expiry is computed from: last access, idle timeout, absolute expiry.
local a, i, x
if ARGV[2] == '1' then
  redis.call('HSET', key, '#c', ARGV[3], '#a', ARGV[3], '#i', ARGV[4], '#x', ARGV[5])
  a, i, x = millis(ARGV[3]), millis(ARGV[4]), millis(ARGV[5])
else
  local m = redis.pcall('HMGET', key, '#a', '#i', '#x')
  if m.err then
    return redis.error_reply('CORRUPT another kind of value sits under the session key')
  end
  a, i, x = millis(m[1]), millis(m[2]), millis(m[3])
  if not (a and i and x) then
    -- A forward left by an id change (session-forward.lua) is a session that moved: gone here.
    if redis.call('EXISTS', key) == 1 and redis.call('HEXISTS', key, '#f') == 0 then
      return redis.error_reply('CORRUPT the session metadata cannot be read')
    end
    return 0
  end
  if now >= expiry(a, i, x) then
    redis.call('DEL', key)
    return 0
  end
end
if ARGV[6] ~= '' then
  redis.call('HSET', key, '#i', ARGV[6])
  i = millis(ARGV[6])
end
if ARGV[7] ~= '' then
  redis.call('HSET', key, '#p', ARGV[7])
end
-- Lua unpacks at most about 8,000 values into one call, so the attributes go in chunks, all
-- within this one script: the save stays one atomic step however many attributes it writes.
local CHUNK = 1000
local n = tonumber(ARGV[9])
local first = 10
local last = first + 2 * n - 1
for from = first, last, 2 * CHUNK do
  redis.call('HSET', key, unpack(ARGV, from, math.min(from + 2 * CHUNK - 1, last)))
end
for from = last + 1, #ARGV, CHUNK do
  redis.call('HDEL', key, unpack(ARGV, from, math.min(from + CHUNK - 1, #ARGV)))
end
local left = (a and i and x) and (expiry(a, i, x) - now) or 0
if left <= 0 then
  redis.call('DEL', key)
  return 0
end
redis.call('PEXPIRE', key, string.format('%d', left))
if ARGV[8] ~= '' and ARGV[2] ~= '1' then
  if redis.call('HGET', key, '#l') ~= ARGV[8] then
    return 2
  end
  redis.call('HDEL', key, '#l', '#lx')
end
return 1
