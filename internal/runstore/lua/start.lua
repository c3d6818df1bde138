-- start: ARGV = run_id, task_id, try, hostname, now_ms. Moves a queued (or,
-- after a worker crash, running) try to running. Returns {'ok'|'redelivered',
-- ti fields (HGETALL, then the fields this step set), the values of the run
-- fields startRunFields names (HMGET)} or {'fenced', state} or {'missing', ''}.
local run, task, try = ARGV[1], ARGV[2], tonumber(ARGV[3])
local tk = k_ti(run, task)
local ti = redis.call('HGETALL', tk)
if #ti == 0 then return {'missing', ''} end
local state, tn
for j = 1, #ti, 2 do
  local f = ti[j]
  if f == 'state' then
    state = ti[j + 1]
  elseif f == 'try_number' then
    tn = ti[j + 1]
  end
end
if num(tn) ~= try or (state ~= 'queued' and state ~= 'running') then
  return {'fenced', state or ''}
end
-- Only the run fields a try needs: the run hash also holds the DAG snapshot
-- and the root list, which can be megabytes for wide DAGs.
local rv = redis.call('HMGET', k_run(run), 'state', 'run_type', 'logical_date', 'data_interval_start',
  'data_interval_end', 'start_date', 'conf', 'params', 'dag_version', 'dagrun_timeout_ms', 'max_active_tasks')
if rv[1] ~= 'running' then return {'fenced', state} end
local status = 'ok'
if state == 'running' then status = 'redelivered' end
redis.call('HSET', tk, 'state', 'running', 'start_date', ARGV[5], 'hostname', ARGV[4])
local n = #ti
ti[n + 1], ti[n + 2], ti[n + 3], ti[n + 4], ti[n + 5], ti[n + 6] =
  'state', 'running', 'start_date', ARGV[5], 'hostname', ARGV[4]
return {status, ti, rv}
