-- Takes an idempotency key for a request fingerprint, in one atomic step, on the server's clock.
-- KEYS[1] record hash: s state (p running, c completed, r released), f fingerprint,
--         t fencing token, l lease end (ms), r result
-- ARGV[1] fingerprint, ARGV[2] lease (ms), ARGV[3] retention (ms),
-- ARGV[4] '1' to create a record for a new key, '0' to answer {'N'} instead (the caller counts it first)
-- Returns {'A', token} acquired, {'P', ms left} in progress, {'C', result} completed,
-- {'F'} failed (ran, result not recorded), {'M'} fingerprint mismatch, or {'N'} new key not created.
if redis.replicate_commands then
  redis.replicate_commands() -- Redis 6: replicate the writes, not the script that reads TIME
end
local key = KEYS[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local record = redis.call('HMGET', key, 's', 'f', 'l')
local state = record[1]
if state then
  if record[2] ~= ARGV[1] then
    return {'M'}
  end
  if state == 'c' then
    return {'C', redis.call('HGET', key, 'r')}
  end
  if state == 'f' then
    return {'F'}
  end
  if state == 'p' then
    local left = (tonumber(record[3]) or 0) - now
    if left > 0 then
      return {'P', left}
    end
  end
end
if not state and ARGV[4] == '0' then
  return {'N'}
end
local token = redis.call('HINCRBY', key, 't', 1)
redis.call('HSET', key, 's', 'p', 'f', ARGV[1], 'l', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', key, ARGV[3])
return {'A', token}
