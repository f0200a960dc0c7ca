-- Writes a whole session under a new key with its expiry, in one atomic step (changing an id:
-- the old key is deleted by a separate command, as the two keys may live on different nodes).
-- KEYS[1] new session hash
-- ARGV[1] time to live (ms), then field/value pairs.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2, #ARGV))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
