-- create: ARGV = run_id, now_ms, score, max_active_runs, n_run_pairs,
-- <run field, value>..., n_tasks, then per task: task_id, n, and n values,
-- the task instance's field/value pairs. Returns {'exists'|'created', the
-- values of the run fields read.go's runFields names (HMGET, in its order),
-- dispatch tuples...}.
local RUN_FIELDS = {'state', 'run_type', 'logical_date', 'data_interval_start', 'data_interval_end',
  'run_after', 'queued_at', 'start_date', 'end_date', 'conf', 'params', 'dag_version', 'note', 'triggered_by',
  'failure_reason', 'n_tasks', 'n_done', 'max_active_runs', 'max_active_tasks', 'dagrun_timeout_ms', 'inc',
  'triggering_user', 'dag_version_n'}
local run = ARGV[1]
local now = ARGV[2]
local rk = k_run(run)
if redis.call('EXISTS', rk) == 1 then
  return {'exists', redis.call('HMGET', rk, unpack(RUN_FIELDS))}
end
local last = 5 + 2 * tonumber(ARGV[5])
local n_tasks = tonumber(ARGV[last + 1])
local i = last + 2
redis.call('HSET', rk, 'state', 'queued', 'queued_at', now, 'max_active_runs', ARGV[4],
  'slots', 0, 'waiting', 0, 'n_done', 0, 'leaf_failed', 0, 'n_tasks', n_tasks, unpack(ARGV, 6, last))
-- The DAG version the run uses, numbered 1, 2, ... in the order versions are
-- first used (dag_version in lib.lua); the run keeps "<number>:<first used, ms>".
redis.call('HSET', rk, 'dag_version_n', dag_version(redis.call('HGET', rk, 'dag_version') or '', now))
know_slots(run, 0)
know_waiting(run, 0)
local ids = {}
for _ = 1, n_tasks do
  -- One HSET per task instance, of the field/value pairs Go chose (see
  -- taskArgs): no loop over fields here, the pairs go straight from ARGV.
  local task, n = ARGV[i], tonumber(ARGV[i + 1])
  redis.call('HSET', k_ti(run, task), unpack(ARGV, i + 2, i + 1 + n))
  i = i + 2 + n
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
