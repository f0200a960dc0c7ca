-- Records a session in its principal's index, a sorted set of session digests scored by their
-- absolute expiry, pruning entries whose sessions can no longer be alive. The index expires with
-- its longest-lived entry, so it cleans itself up.
-- KEYS[1] index
-- ARGV[1] now (ms), ARGV[2] absolute expiry of the session (ms), ARGV[3] session digest
-- Returns how many entries the index holds now (sessions that may still be alive), 0 when none.
local key = KEYS[1]
redis.call('ZADD', key, ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if #top == 0 then
  return 0
end
redis.call('PEXPIRE', key, math.max(1, tonumber(top[2]) - tonumber(ARGV[1])))
return redis.call('ZCARD', key)
