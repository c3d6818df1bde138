-- create: ARGV = run_id, now_ms, score, max_active_runs, n_run_pairs,
-- <run field, value>..., n_tasks, then per task TASK_ARITY values in the
-- order of TASK_FIELDS (task_id first). Returns {'exists'|'created', the
-- values of the run fields read.go's runFields names (HMGET, in its order),
-- dispatch tuples...}.
local RUN_FIELDS = {'state', 'run_type', 'logical_date', 'data_interval_start', 'data_interval_end',
  'run_after', 'queued_at', 'start_date', 'end_date', 'conf', 'params', 'dag_version', 'note', 'triggered_by',
  'failure_reason', 'n_tasks', 'n_done', 'max_active_runs', 'max_active_tasks', 'dagrun_timeout_ms'}
local TASK_FIELDS = {'operator', 'queue', 'pool', 'pool_slots', 'priority_weight', 'max_tries',
  'rule', 'n_up', 'up', 'down', 'leaf', 'args', 'exec_timeout_ms', 'retry_delay_ms', 'retry_exp',
  'max_retry_delay_ms', 'static'}
-- Fields written even when empty: the string fields readers compare with ''.
local KEEP = {operator = true, queue = true, rule = true, n_up = true, up = true, down = true, leaf = true,
  args = true, max_tries = true, pool_slots = true}
local run = ARGV[1]
local now = ARGV[2]
local rk = k_run(run)
if redis.call('EXISTS', rk) == 1 then
  return {'exists', redis.call('HMGET', rk, unpack(RUN_FIELDS))}
end
local i = 6
local n_pairs = tonumber(ARGV[5])
local fields = {}
for _ = 1, n_pairs do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  i = i + 2
end
local n_tasks = tonumber(ARGV[i])
i = i + 1
redis.call('HSET', rk, 'state', 'queued', 'queued_at', now, 'max_active_runs', ARGV[4],
  'slots', 0, 'waiting', 0, 'n_done', 0, 'leaf_failed', 0, 'n_tasks', n_tasks, unpack(fields))
know_slots(run, 0)
know_waiting(run, 0)
local ids = {}
for _ = 1, n_tasks do
  local task = ARGV[i]
  i = i + 1
  -- One HSET per task instance. try_number, the upstream counters and
  -- numeric spec fields that are '0' or '' are left out: every reader treats
  -- a missing field as 0 or '' (num() in Lua, atoi/fromMS in Go), and a
  -- smaller hash makes this HSET and every later HMGET cheaper.
  local tf = {'state', ''}
  for _, f in ipairs(TASK_FIELDS) do
    local x = ARGV[i]
    if KEEP[f] or (x ~= '0' and x ~= '') then
      tf[#tf + 1] = f
      tf[#tf + 1] = x
    end
    i = i + 1
  end
  redis.call('HSET', k_ti(run, task), unpack(tf))
  ids[#ids + 1] = task
  if #ids >= 1000 then
    redis.call('RPUSH', k_tasks(run), unpack(ids))
    ids = {}
  end
end
if #ids > 0 then redis.call('RPUSH', k_tasks(run), unpack(ids)) end
redis.call('ZADD', k_runs, ARGV[3], run)
redis.call('ZADD', k_queued, ARGV[3], run)
local out = {}
start_queued(now, out)
return reply('created', redis.call('HMGET', rk, unpack(RUN_FIELDS)), out)
