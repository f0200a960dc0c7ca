-- Writes a session delta in one atomic step, counting the save in the session's version. Never
-- brings back a session that is gone: an existing session is only changed while it still exists
-- and has not expired.
-- KEYS[1] session hash
-- ARGV[1] now (ms), ARGV[2] '1' when the session is new, ARGV[3] created (ms),
-- ARGV[4] idle timeout (ms), ARGV[5] absolute expiry (ms),
-- ARGV[6] new idle timeout (ms) or '', ARGV[7] principal or '',
-- ARGV[8] the saver's lock token or '' (it then releases the lock if it still holds it),
-- ARGV[9] number of attributes set (n), ARGV[10] the time (ms) of a load whose refresh of the last
-- access has not been written yet (it then moves the last access and the TTL) or '',
-- then n field/value pairs, then the fields to delete.
-- Reads once (HGET of '#m', or HMGET of '#m' and '#l' for a lock holder), then writes: one HSET,
-- one HDEL, and a PEXPIRE only when the expiry changed.
-- An idle timeout of 0 means no idle expiry. The lock never stops a write.
-- Metadata: '#m' = 'version:created:access:idle:expiry' (see session-load.lua); a session written
-- before '#m' is moved to it by its first save. The key's TTL only changes with the expiry (new
-- session, new idle timeout, moved metadata, a carried access); a save does not move the last access
-- by itself.
-- Returns the session's new version (1 or more) when written, 0 when the session is gone, minus
-- the new version when written but the saver's lock was no longer its own (its lease ended and
-- another request took or released it); an error reply starting with CORRUPT, writing nothing,
-- when the key holds something that is not a session.
local key = KEYS[1]
local now = tonumber(ARGV[1])
local token = ARGV[8]
local v, c, a, i, x
local expiryChanged = false
local lockLost = false
local drop = nil -- metadata fields that go with this write (the old layout's, a released lock)
if ARGV[2] == '1' then
  v, c, a, i, x = 0, ARGV[3], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
  expiryChanged = true
else
  -- One read of what the write depends on: the metadata, and the lock when the saver held it.
  local m, l
  if token == '' then
    m = redis.pcall('HGET', key, '#m')
  else
    local read = redis.pcall('HMGET', key, '#m', '#l')
    if read.err then
      m = read
    else
      m, l = read[1], read[2]
    end
  end
  if type(m) == 'table' then
    return redis.error_reply('CORRUPT another kind of value sits under the session key')
  end
  if m then
    -- version:created:access:idle:expiry, digits only, fewer than 16 each (see session-load.lua)
    local sv, sc, sa, si, sx = string.match(m, '^(%d+):(%d+):(%d+):(%d+):(%d+)$')
    if not sx or #sv > 15 or #sc > 15 or #sa > 15 or #si > 15 or #sx > 15 then
      return redis.error_reply('CORRUPT the session metadata cannot be read')
    end
    v, c, a, i, x = tonumber(sv), sc, tonumber(sa), tonumber(si), tonumber(sx)
  else
    local o = redis.call('HMGET', key, '#c', '#a', '#i', '#x')
    for n = 1, 4 do
      local value = o[n]
      if not value or #value == 0 or #value > 15 or string.find(value, '%D') then
        -- A forward left by an id change (session-forward.lua) is a session that moved: gone here.
        if redis.call('EXISTS', key) == 1 and redis.call('HEXISTS', key, '#f') == 0 then
          return redis.error_reply('CORRUPT the session metadata cannot be read')
        end
        return 0
      end
    end
    v, c, a, i, x = 0, o[1], tonumber(o[2]), tonumber(o[3]), tonumber(o[4])
    expiryChanged = true
    drop = {'#c', '#a', '#i', '#x'}
  end
  if ARGV[10] ~= '' then
    -- An access this node has not written yet (a load's due refresh): it goes with this save.
    local t = tonumber(ARGV[10])
    if t > a then
      a = t
      expiryChanged = true
    end
  end
  local expiry = x
  if i ~= 0 and a + i < x then expiry = a + i end
  if now >= expiry then
    redis.call('DEL', key)
    return 0
  end
  if token ~= '' then
    if l == token then
      drop = drop or {}
      drop[#drop + 1] = '#l'
      drop[#drop + 1] = '#lx'
    else
      lockLost = true
    end
  end
end
if ARGV[6] ~= '' then
  i = tonumber(ARGV[6])
  expiryChanged = true
end
v = v + 1
local head = {'#m', string.format('%d', v) .. ':' .. c .. ':' .. string.format('%d:%d:%d', a, i, x)}
if ARGV[7] ~= '' then
  head[3] = '#p'
  head[4] = ARGV[7]
end
-- Lua unpacks at most about 8,000 values into one call, so the attributes go in chunks, all
-- within this one script: the save stays one atomic step however many attributes it writes. The
-- metadata goes with the first chunk.
local CHUNK = 1000
local n = tonumber(ARGV[9])
local first = 11
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
-- The fields to delete (and the dropped metadata, when there is any) in one HDEL when they are few.
if last < #ARGV then
  if #ARGV - last <= CHUNK then
    if drop then
      for k = last + 1, #ARGV do
        drop[#drop + 1] = ARGV[k]
      end
      redis.call('HDEL', key, unpack(drop))
      drop = nil
    else
      redis.call('HDEL', key, unpack(ARGV, last + 1, #ARGV))
    end
  else
    for from = last + 1, #ARGV, CHUNK do
      redis.call('HDEL', key, unpack(ARGV, from, math.min(from + CHUNK - 1, #ARGV)))
    end
  end
end
if drop then
  redis.call('HDEL', key, unpack(drop))
end
if expiryChanged then
  local left = x - now
  if i ~= 0 and a + i < x then left = a + i - now end
  if left <= 0 then
    redis.call('DEL', key)
    return 0
  end
  redis.call('PEXPIRE', key, string.format('%d', left))
end
if lockLost then
  return -v
end
return v
