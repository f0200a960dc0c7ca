-- Deletes a session. Returns the digest of the id it was moving or had moved to ('#f', see
-- session-forward.lua), which the caller deletes too, or false.
-- KEYS[1] session hash
local forward = redis.pcall('HGET', KEYS[1], '#f')
redis.call('DEL', KEYS[1])
if type(forward) == 'string' then
  return forward
end
return false
