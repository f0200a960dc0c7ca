-- Completes, releases or extends the lease of an idempotency key, in one atomic step, only for
-- the current holder: a holder whose lease was taken over has a smaller token and is refused.
-- KEYS[1] record hash (see idempotency-acquire.lua)
-- ARGV[1] action ('complete', 'fail', 'release' or 'extend'), ARGV[2] token,
-- ARGV[3] lease (ms) for extend, retention (ms) for complete and fail, ARGV[4] result for complete
-- Returns 1 when done, 0 when refused.
if redis.replicate_commands then
  redis.replicate_commands()
end
local key = KEYS[1]
local record = redis.call('HMGET', key, 's', 't')
if record[1] ~= 'p' or tonumber(record[2]) ~= tonumber(ARGV[2]) then
  return 0
end
local action = ARGV[1]
if action == 'complete' then
  redis.call('HSET', key, 's', 'c', 'r', ARGV[4])
  redis.call('HDEL', key, 'l')
  redis.call('PEXPIRE', key, ARGV[3])
elseif action == 'fail' then
  redis.call('HSET', key, 's', 'f')
  redis.call('HDEL', key, 'l', 'r')
  redis.call('PEXPIRE', key, ARGV[3])
elseif action == 'release' then
  redis.call('HSET', key, 's', 'r')
  redis.call('HDEL', key, 'l')
elseif action == 'extend' then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('HSET', key, 'l', now + tonumber(ARGV[3]))
  if redis.call('PTTL', key) < tonumber(ARGV[3]) then
    redis.call('PEXPIRE', key, ARGV[3])
  end
else
  return redis.error_reply('unknown action')
end
return 1
