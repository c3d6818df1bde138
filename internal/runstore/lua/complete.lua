-- complete: ARGV = run_id, task_id, try, outcome, now_ms, retry_delay_ms,
-- try_record_json, xcom_json ('' for none), start_ms, hostname (both '' if
-- unknown). The fenced completion step: record the try, decide the task's
-- state, propagate to downstream tasks, dispatch what became ready, finish
-- the run, start queued runs. The try may still be queued: a worker that
-- starts a try from its payload marks it running only when it outlasts
-- Config.MarkRunningAfter, so a short try goes from queued to its outcome
-- here.
-- Returns {status, new_state, run_state, dispatch tuples...}.
local run, task, try, outcome, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local tk, rk = k_ti(run, task), k_run(run)
local v = redis.call('HMGET', tk, 'state', 'try_number', 'max_tries', 'start_date', 'queue', 'down', 'leaf')
local rv = redis.call('HMGET', rk, 'state', 'max_active_tasks', 'n_tasks', 'slots', 'waiting', 'start_date')
if (v[1] ~= 'running' and v[1] ~= 'queued') or num(v[2]) ~= try or rv[1] ~= 'running' then
  return {'fenced', v[1] or '', rv[1] or ''}
end
caps[run] = num(rv[2])
know_slots(run, num(rv[4]))
know_waiting(run, tonumber(rv[5]) or false)
starts[run] = rv[6] or ''
-- The try's start and host as the worker that ran it reports them: after a
-- redelivery, that worker's, not the lost one's that marked it running.
local started = {}
if ARGV[9] ~= '' then
  v[4] = ARGV[9]
  started = {'start_date', ARGV[9]}
elseif v[1] == 'queued' then
  v[4] = now
  started = {'start_date', now}
end
if ARGV[10] ~= '' then
  started[#started + 1] = 'hostname'
  started[#started + 1] = ARGV[10]
end
local dur = num(now) - num(v[4])
local out = {}
local st
if outcome == 'success' then
  st = 'success'
  if ARGV[8] ~= '' then redis.call('HSET', k_xcom(run), task, ARGV[8]) end
elseif outcome == 'skipped' then
  st = 'skipped'
elseif outcome == 'failed' and try < num(v[3]) then
  st = 'up_for_retry'
else
  st = 'failed'
end
add_slots(run, -1)
local done
if st == 'up_for_retry' then
  local at = num(now) + num(ARGV[6])
  redis.call('HSET', tk, 'try:' .. try, ARGV[7], 'end_date', now, 'duration_ms', dur, 'state', st, 'next_try_at', at,
    unpack(started))
  out[1] = {run, task, try, v[5], '0', at, '', '1', '', '', run_inc(run), run_tp(run)}
else
  redis.call('HSET', tk, 'try:' .. try, ARGV[7], 'end_date', now, 'duration_ms', dur, 'state', st, unpack(started))
  done = propagate(run, task, st, now, out, v[6], v[7])
end
fill_slots(run, now, out)
-- The run is running (checked above) and only maybe_finish ends it: while
-- task instances are left it stays running.
local rs = 'running'
if done == nil or done >= num(rv[3]) then rs = maybe_finish(run, now, out) end
local r = reply('ok', st, out)
table.insert(r, 3, rs)
return r
