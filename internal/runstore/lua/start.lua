-- start: ARGV = run_id, task_id, try, hostname, now_ms. Moves a queued (or,
-- after a worker crash, running) try to running. Returns {'ok'|'redelivered',
-- ti fields (HGETALL), selected run fields} or
-- {'fenced', state}.
local run, task, try = ARGV[1], ARGV[2], tonumber(ARGV[3])
local tk, rk = k_ti(run, task), k_run(run)
local v = redis.call('HMGET', tk, 'state', 'try_number')
if not v[1] then return {'missing', ''} end
if num(v[2]) ~= try or (v[1] ~= 'queued' and v[1] ~= 'running') then
  return {'fenced', v[1]}
end
if redis.call('HGET', rk, 'state') ~= 'running' then return {'fenced', v[1]} end
local status = 'ok'
if v[1] == 'running' then status = 'redelivered' end
redis.call('HSET', tk, 'state', 'running', 'start_date', ARGV[5], 'hostname', ARGV[4])
-- Only the run fields a try needs: the run hash also holds the DAG snapshot
-- and the root list, which can be megabytes for wide DAGs.
local names = {'state', 'run_type', 'logical_date', 'data_interval_start', 'data_interval_end',
  'start_date', 'conf', 'params', 'dag_version', 'dagrun_timeout_ms', 'max_active_tasks'}
local vals = redis.call('HMGET', rk, unpack(names))
local keep = {}
for j = 1, #names do
  keep[#keep + 1] = names[j]
  keep[#keep + 1] = vals[j] or ''
end
return {status, redis.call('HGETALL', tk), keep}
