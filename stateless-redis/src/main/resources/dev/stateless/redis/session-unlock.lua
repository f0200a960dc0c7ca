-- Releases a session's lock if the given token still holds it.
-- KEYS[1] session hash
-- ARGV[1] lock token
-- Returns 1 when released, 0 when the lock is not that holder's (or there is no session).
local key = KEYS[1]
local held = redis.pcall('HGET', key, '#l')
if type(held) == 'table' and held.err then
  return 0
end
if held ~= ARGV[1] then
  return 0
end
redis.call('HDEL', key, '#l', '#lx')
return 1
