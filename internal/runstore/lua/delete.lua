-- delete: ARGV = run_id, now_ms. Removes a run, its task instances, XComs
-- and wait set, and its place in the DAG's indexes; a running try of it is
-- fenced off (its task instance is gone). A run that held a max_active_runs
-- slot frees it, so queued runs may start.
-- Returns {'missing', ''} or {'ok', '', dispatch tuples...}.
local run, now = ARGV[1], ARGV[2]
local rk = k_run(run)
if redis.call('EXISTS', rk) == 0 then return {'missing', ''} end
local ids = redis.call('LRANGE', k_tasks(run), 0, -1)
local batch = {}
for _, t in ipairs(ids) do
  batch[#batch + 1] = k_ti(run, t)
  if #batch >= 1000 then
    redis.call('DEL', unpack(batch))
    batch = {}
  end
end
if #batch > 0 then redis.call('DEL', unpack(batch)) end
redis.call('DEL', rk, k_tasks(run), k_xcom(run), k_wait(run))
redis.call('ZREM', k_runs, run)
redis.call('ZREM', k_queued, run)
local out = {}
if redis.call('SREM', k_active, run) == 1 then start_queued(now, out) end
return reply('ok', '', out)
