-- start: ARGV = run_id, task_id, try, hostname, now_ms. Moves a queued (or,
-- after a worker crash, running) try to running. Returns {'ok'|'redelivered',
-- the values of the TI fields startTIFields names, the values of the run
-- fields startRunFields names} (HMGET, in ops.go's order) or
-- {'fenced', state} or {'missing', ''}.
local run, task, try = ARGV[1], ARGV[2], tonumber(ARGV[3])
local tk = k_ti(run, task)
-- Only what a try needs: not the try records, which grow with every retry.
local v = redis.call('HMGET', tk, 'state', 'try_number', 'max_tries', 'operator', 'queue', 'pool', 'pool_slots',
  'priority_weight', 'rule', 'args', 'exec_timeout_ms', 'retry_delay_ms', 'retry_exp', 'max_retry_delay_ms',
  'queued_at', 'up', 'down', 'params')
if not v[1] then return {'missing', ''} end
if num(v[2]) ~= try or (v[1] ~= 'queued' and v[1] ~= 'running') then
  return {'fenced', v[1]}
end
-- Only the run fields a try needs: the run hash also holds the DAG snapshot
-- and the root list, which can be megabytes for wide DAGs.
local rv = redis.call('HMGET', k_run(run), 'state', 'run_type', 'logical_date', 'data_interval_start',
  'data_interval_end', 'start_date', 'conf', 'params', 'dag_version', 'dagrun_timeout_ms', 'max_active_tasks')
if rv[1] ~= 'running' then return {'fenced', v[1]} end
local status = 'ok'
if v[1] == 'running' then status = 'redelivered' end
redis.call('HSET', tk, 'state', 'running', 'start_date', ARGV[5], 'hostname', ARGV[4])
return {status, v, rv}
