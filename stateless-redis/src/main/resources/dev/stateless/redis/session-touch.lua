-- Refreshes a session's idle expiry as a load would, without reading its attributes; never
-- creates a session and never brings one back; writes nothing when the metadata cannot be read.
-- Ignores the session lock. Sent after a plain read (HGETALL) when the session is due for it, or in
-- the same write as the read when every access is due (touch interval 0).
-- KEYS[1] session hash
-- ARGV[1] now (ms since epoch), ARGV[2] touch interval (ms), ARGV[3] (optional) the first of the
-- accesses this refresh stands for (a node sends one refresh for the loads it saw since the last
-- write): the session must have been live then; without it, now.
-- Returns 1 when the last access was written, 0 otherwise (no session, expired, not ours, or
-- touched within the interval).
-- Kept lean (no helper functions, no string formatting on the common path): it may run with every
-- load, and Redis spends more on the Lua around the commands than on the commands themselves.
local key = KEYS[1]
local m = redis.pcall('HGET', key, '#m')
if type(m) == 'table' then
  return 0 -- another kind of value under the key: not ours
end
local now = tonumber(ARGV[1])
local from = ARGV[3] and tonumber(ARGV[3]) or now
local a, i, x
if m then
  -- version:created:access:idle:expiry, digits only, fewer than 16 each (see session-load.lua)
  local sv, sc, sa, si, sx = string.match(m, '^(%d+):(%d+):(%d+):(%d+):(%d+)$')
  if not sx or #sv > 15 or #sc > 15 or #sa > 15 or #si > 15 or #sx > 15 then
    return 0
  end
  a, i, x = tonumber(sa), tonumber(si), tonumber(sx)
  local expiry = x
  if i ~= 0 and a + i < x then expiry = a + i end
  if from >= expiry then
    redis.call('DEL', key)
    return 0
  end
  if now - a < tonumber(ARGV[2]) then
    return 0
  end
  redis.call('HSET', key, '#m', sv .. ':' .. sc .. ':' .. ARGV[1] .. ':' .. si .. ':' .. sx)
else
  -- written before '#m' (see session-load.lua)
  local o = redis.call('HMGET', key, '#c', '#a', '#i', '#x')
  for n = 1, 4 do
    local value = o[n]
    if not value or #value == 0 or #value > 15 or string.find(value, '%D') then
      return 0 -- no session (or a forward left by an id change), or not ours
    end
  end
  a, i, x = tonumber(o[2]), tonumber(o[3]), tonumber(o[4])
  local expiry = x
  if i ~= 0 and a + i < x then expiry = a + i end
  if from >= expiry then
    redis.call('DEL', key)
    return 0
  end
  if now - a < tonumber(ARGV[2]) then
    return 0
  end
  redis.call('HSET', key, '#a', ARGV[1])
end
local left = x - now
if i ~= 0 and i < left then left = i end
redis.call('PEXPIRE', key, string.format('%d', left))
return 1
