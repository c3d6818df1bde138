-- retry: ARGV = run_id, task_id, failed_try, now_ms. The retry timer of an
-- up_for_retry task fired: make the next try ready (it takes a
-- max_active_tasks slot only now). Returns {status, '', dispatch tuples...}.
local run, task, try, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local tk = k_ti(run, task)
local v = redis.call('HMGET', tk, 'state', 'try_number')
if v[1] ~= 'up_for_retry' or num(v[2]) ~= try or redis.call('HGET', k_run(run), 'state') ~= 'running' then
  return {'fenced', v[1] or ''}
end
local out = {}
make_ready(run, task, now, out)
return reply('ok', '', out)
