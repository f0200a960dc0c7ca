-- Reads a session and refreshes its idle expiry, in one atomic step; when asked, also takes the
-- session's lock.
-- KEYS[1] session hash
-- ARGV[1] now (ms since epoch), ARGV[2] touch interval (ms),
-- ARGV[3] lock token or '' (no lock), ARGV[4] lock lease (ms) when ARGV[3] is a token
-- Returns the hash as it was before this access (field, value, ...), an empty list when there is
-- no live session, {'!'} when the key holds something that is not a session, or {'?'} (nothing
-- read, nothing changed) when the lock was asked for and another holder's lease still runs.
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

local c, a, i, x, l, lx, fwd
for n = 1, #fields, 2 do
  local f = fields[n]
  if f == '#c' then c = millis(fields[n + 1])
  elseif f == '#a' then a = millis(fields[n + 1])
  elseif f == '#i' then i = millis(fields[n + 1])
  elseif f == '#x' then x = millis(fields[n + 1])
  elseif f == '#l' then l = fields[n + 1]
  elseif f == '#lx' then lx = millis(fields[n + 1])
  elseif f == '#f' then fwd = true end
end
if not (c and a and i and x) then
  if fwd and not c then
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
if token and token ~= '' then
  -- A lock whose lease ended (or that cannot be read) is free.
  if l and lx and now < lx then
    return {'?'}
  end
  redis.call('HSET', key, '#l', token, '#lx', string.format('%d', now + tonumber(ARGV[4])))
end
if now - a >= tonumber(ARGV[2]) then
  redis.call('HSET', key, '#a', ARGV[1])
  redis.call('PEXPIRE', key, string.format('%d', expiry(now) - now))
end
return fields
