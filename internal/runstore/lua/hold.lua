-- hold: ARGV = mode ('hold'|'release'), now_ms, run ids (comma-separated).
-- A paused backfill's queued runs are held: out of the DAG's queue, so
-- start_queued passes them by; release puts them back (by their creation
-- score) and starts what max_active_runs allows. Runs that are not queued
-- are left as they are. Returns {'ok', n_changed, dispatch tuples...}.
local mode, now, list = ARGV[1], ARGV[2], ARGV[3]
local out, n = {}, 0
for run in string.gmatch(list, '[^,]+') do
  local rk = k_run(run)
  local v = redis.call('HMGET', rk, 'state', 'held')
  if v[1] == 'queued' then
    if mode == 'hold' and v[2] ~= '1' then
      redis.call('ZREM', k_queued, run)
      redis.call('HSET', rk, 'held', '1')
      n = n + 1
    elseif mode == 'release' and v[2] == '1' then
      redis.call('ZADD', k_queued, redis.call('ZSCORE', k_runs, run) or now, run)
      redis.call('HDEL', rk, 'held')
      n = n + 1
    end
  end
end
if mode == 'release' then start_queued(now, out) end
return reply('ok', tostring(n), out)
