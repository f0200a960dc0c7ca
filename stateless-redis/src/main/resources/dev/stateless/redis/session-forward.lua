-- First step of changing a session's id: marks the old key with the new id's digest and returns
-- the session as it is, to be copied. Marked, an invalidation that arrives while the id changes
-- knows where the session is going and ends it there too (invalidation wins).
-- KEYS[1] old session hash
-- ARGV[1] digest of the new id
-- Returns the hash (field, value, ...) before the mark, or an empty list when there is no session.
local fields = redis.pcall('HGETALL', KEYS[1])
if fields.err or #fields == 0 then
  return {}
end
local created = false
for n = 1, #fields, 2 do
  if fields[n] == '#m' or fields[n] == '#c' then created = true end
end
if not created then
  -- a forward left by an earlier change, or not one of our sessions
  return {}
end
redis.call('HSET', KEYS[1], '#f', ARGV[1])
return fields
