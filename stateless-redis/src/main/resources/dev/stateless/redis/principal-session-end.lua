-- Ends a session for its principal's session limit: deletes it only while it still belongs to
-- that principal (it may have been moved to another one, or its hash replaced, meanwhile).
-- KEYS[1] session hash
-- ARGV[1] principal
-- Returns 1 when deleted, 0 otherwise.
local owner = redis.pcall('HGET', KEYS[1], '#p')
if type(owner) ~= 'string' or owner ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
