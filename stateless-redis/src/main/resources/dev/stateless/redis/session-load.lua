-- Reads a session and refreshes its idle expiry, in one atomic step; when asked, also takes the
-- session's lock.
-- KEYS[1] session hash
-- ARGV[1] now (ms since epoch), ARGV[2] touch interval (ms),
-- ARGV[3] lock token or '' (no lock), ARGV[4] lock lease (ms) when ARGV[3] is a token
-- Returns the hash as it was before this access (field, value, ...), an empty list when there is
-- no live session, {'!'} when the key holds something that is not a session, or {'?'} (nothing
-- read, nothing changed) when the lock was asked for and another holder's lease still runs.
-- Metadata: '#m' = 'version:created:access:idle:expiry' (ms); sessions written before it keep
-- '#c', '#a', '#i', '#x' (no version) until their next save.
local key = KEYS[1]
local fields = redis.pcall('HGETALL', key)
if fields.err then
  -- Something else sits under our key (WRONGTYPE): not a session; the caller starts a new one.
  return {'!'}
end
if #fields == 0 then
  return {}
end

-- A whole number of milliseconds written as digits only, fewer than 16 (what Lua's doubles hold
-- exactly, and what the store reads as metadata), or nil.
local function millis(value)
  if type(value) == 'string' and #value > 0 and #value < 16 and not string.find(value, '%D') then
    return tonumber(value)
  end
  return nil
end

local m, v, c, a, i, x, l, lx, fwd
for n = 1, #fields, 2 do
  local f = fields[n]
  if f == '#m' then m = fields[n + 1]
  elseif f == '#c' then c = millis(fields[n + 1])
  elseif f == '#a' then a = millis(fields[n + 1])
  elseif f == '#i' then i = millis(fields[n + 1])
  elseif f == '#x' then x = millis(fields[n + 1])
  elseif f == '#l' then l = fields[n + 1]
  elseif f == '#lx' then lx = millis(fields[n + 1])
  elseif f == '#f' then fwd = true end
end
if m then
  local sv, sc, sa, si, sx = string.match(m, '^(%d+):(%d+):(%d+):(%d+):(%d+)$')
  v, c, a, i, x = millis(sv), millis(sc), millis(sa), millis(si), millis(sx)
end
if not (c and a and i and x and (v or not m)) then
  if fwd and not c and not m then
    -- The id was changed: what is left is a forward for invalidations, not a session.
    return {}
  end
  -- Not one of our sessions (or corrupted): touched by nothing here; the caller refuses it.
  return fields
end
local now = tonumber(ARGV[1])
-- An idle timeout of 0 means no idle expiry: only the absolute expiry counts.
local function expiry(last)
  if i == 0 then return x end
  return math.min(last + i, x)
end
if now >= expiry(a) then
  redis.call('DEL', key)
  return {}
end
local token = ARGV[3]
if token ~= '' then
  -- A lock whose lease ended (or that cannot be read) is free.
  if l and lx and now < lx then
    return {'?'}
  end
  redis.call('HSET', key, '#l', token, '#lx', string.format('%d', now + tonumber(ARGV[4])))
end
if now - a >= tonumber(ARGV[2]) then
  if m then
    redis.call('HSET', key, '#m', string.format('%d:%d:%d:%d:%d', v, c, now, i, x))
  else
    redis.call('HSET', key, '#a', ARGV[1])
  end
  redis.call('PEXPIRE', key, string.format('%d', expiry(now) - now))
end
return fields
