-- finish: ARGV = run_id, state ('success'|'failed'), reason, now_ms. Ends an
-- unfinished run at once (dagrun_timeout, or an operator marking it): its
-- unfinished task instances become skipped (Airflow's behaviour on timeout),
-- their running tries are fenced off, and queued runs may start.
-- Returns {status, run_state, dispatch tuples...}.
local run, state, reason, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local rk = k_run(run)
local cur = redis.call('HGET', rk, 'state')
if not cur then return {'missing', ''} end
if cur ~= 'running' and cur ~= 'queued' then return {'finished', cur} end
local ids = redis.call('LRANGE', k_tasks(run), 0, -1)
for _, t in ipairs(ids) do
  local tk = k_ti(run, t)
  local s = redis.call('HGET', tk, 'state')
  if s ~= 'success' and s ~= 'failed' and s ~= 'skipped' and s ~= 'upstream_failed' then
    redis.call('HSET', tk, 'state', 'skipped', 'end_date', now)
  end
end
local out = {}
end_run(run, state, reason, now, out)
return reply('ok', state, out)
