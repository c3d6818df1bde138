-- complete: ARGV = run_id, task_id, try, outcome, now_ms, retry_delay_ms,
-- try_record_json, xcom_json ('' for none). The fenced completion step:
-- record the try, decide the task's state, propagate to downstream tasks,
-- dispatch what became ready, finish the run, start queued runs.
-- Returns {status, new_state, run_state, dispatch tuples...}.
local run, task, try, outcome, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local tk, rk = k_ti(run, task), k_run(run)
local v = redis.call('HMGET', tk, 'state', 'try_number', 'max_tries', 'start_date')
if v[1] ~= 'running' or num(v[2]) ~= try or redis.call('HGET', rk, 'state') ~= 'running' then
  return {'fenced', v[1] or '', redis.call('HGET', rk, 'state') or ''}
end
local dur = num(now) - num(v[4])
redis.call('HSET', tk, 'try:' .. try, ARGV[7], 'end_date', now, 'duration_ms', dur)
redis.call('HINCRBY', rk, 'slots', -1)
local out = {}
local st
if outcome == 'success' then
  st = 'success'
  if ARGV[8] ~= '' then redis.call('HSET', k_xcom(run), task, ARGV[8]) end
elseif outcome == 'skipped' then
  st = 'skipped'
elseif outcome == 'failed' and try < num(v[3]) then
  st = 'up_for_retry'
  local at = num(now) + num(ARGV[6])
  redis.call('HSET', tk, 'state', st, 'next_try_at', at)
  out[1] = {run, task, try, redis.call('HGET', tk, 'queue'), '0', at, '', '1'}
else
  st = 'failed'
end
if st ~= 'up_for_retry' then
  redis.call('HSET', tk, 'state', st)
  propagate(run, task, st, now, out)
end
fill_slots(run, now, out)
maybe_finish(run, now, out)
local r = reply('ok', st, out)
table.insert(r, 3, redis.call('HGET', rk, 'state'))
return r
