-- Last step of changing a session's id, once the copy under the new id is written: the old key
-- becomes a forward (only '#f', for a short while), so that an invalidation of the old id still in
-- flight ends the session under its new id too.
-- KEYS[1] old session hash
-- ARGV[1] digest of the new id, ARGV[2] how long the forward lives (ms)
-- Returns 1, or 0 when the old session was invalidated meanwhile (or another id change won): the
-- caller then deletes its copy, so that nothing outlives the invalidation.
local forward = redis.pcall('HGET', KEYS[1], '#f')
if type(forward) ~= 'string' or forward ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '#f', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
