-- pool: KEYS[1] = pool hash tag "{<prefix>:pool:<name>}". ARGV = op
-- ('acquire'|'release'|'extend'), holder, slots, cap, now_ms, lease_ms.
-- Holders are leased (a crashed worker's slots free themselves when the
-- lease ends). Returns 1 when the holder has its slots, else 0.
local holders = KEYS[1] .. ':holders'
local slots = KEYS[1] .. ':slots'
local op, holder, n, cap, now, lease = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]),
  tonumber(ARGV[5]), tonumber(ARGV[6])
if op == 'release' then
  redis.call('ZREM', holders, holder)
  redis.call('HDEL', slots, holder)
  return 1
end
for _, h in ipairs(redis.call('ZRANGEBYSCORE', holders, '-inf', now)) do
  redis.call('ZREM', holders, h)
  redis.call('HDEL', slots, h)
end
if redis.call('ZSCORE', holders, holder) then
  redis.call('ZADD', holders, now + lease, holder)
  return 1
end
if op == 'extend' then return 0 end
local used = 0
for _, v in ipairs(redis.call('HVALS', slots)) do used = used + tonumber(v) end
if used + n > cap then return 0 end
redis.call('ZADD', holders, now + lease, holder)
redis.call('HSET', slots, holder, n)
return 1
