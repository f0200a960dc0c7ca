-- Writes a session delta in one atomic step, counting the save in the session's version. Never
-- brings back a session that is gone: an existing session is only changed while it still exists
-- and has not expired.
-- KEYS[1] session hash
-- ARGV[1] now (ms), ARGV[2] '1' when the session is new, ARGV[3] created (ms),
-- ARGV[4] idle timeout (ms), ARGV[5] absolute expiry (ms),
-- ARGV[6] new idle timeout (ms) or '', ARGV[7] principal or '',
-- ARGV[8] the saver's lock token or '' (it then releases the lock if it still holds it),
-- ARGV[9] number of attributes set (n), then n field/value pairs, then the fields to delete.
-- An idle timeout of 0 means no idle expiry. The lock never stops a write.
-- Metadata: '#m' = 'version:created:access:idle:expiry' (see session-load.lua); a session written
-- before '#m' is moved to it by its first save. The key's TTL only changes with the expiry (new
-- session, new idle timeout, moved metadata): a save does not move the last access.
-- Returns the session's new version (1 or more) when written, 0 when the session is gone, minus
-- the new version when written but the saver's lock was no longer its own (its lease ended and
-- another request took or released it); an error reply starting with CORRUPT, writing nothing,
-- when the key holds something that is not a session.
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

local v, c, a, i, x
local expiryChanged = false
local oldLayout = false
if ARGV[2] == '1' then
  v, c, a, i, x = 0, millis(ARGV[3]), millis(ARGV[3]), millis(ARGV[4]), millis(ARGV[5])
  expiryChanged = true
else
  local m = redis.pcall('HGET', key, '#m')
  if type(m) == 'table' then
    return redis.error_reply('CORRUPT another kind of value sits under the session key')
  end
  if m then
    local sv, sc, sa, si, sx = string.match(m, '^(%d+):(%d+):(%d+):(%d+):(%d+)$')
    v, c, a, i, x = millis(sv), millis(sc), millis(sa), millis(si), millis(sx)
    if not (v and c and a and i and x) then
      return redis.error_reply('CORRUPT the session metadata cannot be read')
    end
  else
    local o = redis.call('HMGET', key, '#c', '#a', '#i', '#x')
    c, a, i, x = millis(o[1]), millis(o[2]), millis(o[3]), millis(o[4])
    if not (c and a and i and x) then
      -- A forward left by an id change (session-forward.lua) is a session that moved: gone here.
      if redis.call('EXISTS', key) == 1 and redis.call('HEXISTS', key, '#f') == 0 then
        return redis.error_reply('CORRUPT the session metadata cannot be read')
      end
      return 0
    end
    v, oldLayout, expiryChanged = 0, true, true
  end
  if now >= ((i == 0) and x or math.min(a + i, x)) then
    redis.call('DEL', key)
    return 0
  end
end
if ARGV[6] ~= '' then
  i = millis(ARGV[6])
  expiryChanged = true
end
v = v + 1
local head = {'#m', string.format('%d:%d:%d:%d:%d', v, c, a, i, x)}
if ARGV[7] ~= '' then
  head[3] = '#p'
  head[4] = ARGV[7]
end
-- Lua unpacks at most about 8,000 values into one call, so the attributes go in chunks, all
-- within this one script: the save stays one atomic step however many attributes it writes. The
-- metadata goes with the first chunk.
local CHUNK = 1000
local n = tonumber(ARGV[9])
local first = 10
local last = first + 2 * n - 1
if n <= CHUNK then
  for k = first, last do
    head[#head + 1] = ARGV[k]
  end
  redis.call('HSET', key, unpack(head))
else
  redis.call('HSET', key, unpack(head))
  for from = first, last, 2 * CHUNK do
    redis.call('HSET', key, unpack(ARGV, from, math.min(from + 2 * CHUNK - 1, last)))
  end
end
for from = last + 1, #ARGV, CHUNK do
  redis.call('HDEL', key, unpack(ARGV, from, math.min(from + CHUNK - 1, #ARGV)))
end
if oldLayout then
  redis.call('HDEL', key, '#c', '#a', '#i', '#x')
end
if expiryChanged then
  local left = ((i == 0) and x or math.min(a + i, x)) - now
  if left <= 0 then
    redis.call('DEL', key)
    return 0
  end
  redis.call('PEXPIRE', key, string.format('%d', left))
end
if ARGV[8] ~= '' and ARGV[2] ~= '1' then
  if redis.call('HGET', key, '#l') ~= ARGV[8] then
    return -v
  end
  redis.call('HDEL', key, '#l', '#lx')
end
return v
