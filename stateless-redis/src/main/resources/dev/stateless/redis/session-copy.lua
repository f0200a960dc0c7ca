-- Writes a whole session under a new key with its expiry, in one atomic step (changing an id:
-- see session-forward.lua; the two keys may live on different nodes).
-- KEYS[1] new session hash
-- ARGV[1] time to live (ms), then field/value pairs.
redis.call('DEL', KEYS[1])
-- In chunks of 500 pairs: Lua unpacks at most about 8,000 values in one call.
for n = 2, #ARGV, 1000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, n, math.min(n + 999, #ARGV)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
