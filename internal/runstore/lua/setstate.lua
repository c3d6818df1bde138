-- setstate: ARGV = run_id, state ('success'|'failed'|'queued'), reason,
-- now_ms. Airflow's PATCH of a run's state (mark_tasks' set_dag_run_state_to_*):
--   success: every task instance becomes success (running tries are fenced
--     off); the run ends success.
--   failed: running task instances become failed and the other unfinished
--     ones skipped (fenced off likewise); the run ends failed.
--   A finished run keeps its end_date; an unfinished one ends now and frees
--   its max_active_runs slot.
--   queued: a finished run goes back to queued (queued_at now, start and end
--     cleared) and starts again under max_active_runs like a new run; its
--     finished task instances are kept, so it ends again by the states of
--     its task instances, as Airflow's scheduler does. A queued run gets a
--     new queued_at; a running run is refused ('running').
-- Returns {'missing'|'running', state} or {'ok', state, dispatch tuples...}.
local run, state, reason, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local rk = k_run(run)
local cur = redis.call('HGET', rk, 'state')
if not cur then return {'missing', ''} end
local function terminal(s) return s == 'success' or s == 'failed' or s == 'skipped' or s == 'upstream_failed' end
local out = {}
local ids = redis.call('LRANGE', k_tasks(run), 0, -1)
if state == 'queued' then
  if cur == 'running' then return {'running', cur} end
  if cur == 'queued' then
    redis.call('HSET', rk, 'queued_at', now)
    return reply('ok', cur, out)
  end
  local done, leaf_failed = 0, 0
  for _, t in ipairs(ids) do
    local v = redis.call('HMGET', k_ti(run, t), 'state', 'leaf')
    if terminal(v[1]) then done = done + 1 end
    if v[2] == '1' and (v[1] == 'failed' or v[1] == 'upstream_failed') then leaf_failed = leaf_failed + 1 end
  end
  redis.call('HSET', rk, 'state', 'queued', 'queued_at', now, 'n_done', done, 'leaf_failed', leaf_failed,
    'slots', 0, 'waiting', 0, 'requeued', 1)
  redis.call('HDEL', rk, 'start_date', 'end_date', 'failure_reason')
  know_slots(run, 0)
  know_waiting(run, 0)
  redis.call('ZADD', k_queued, redis.call('ZSCORE', k_runs, run) or now, run)
  start_queued(now, out)
  return reply('ok', 'queued', out)
end
local leaf_failed = 0
for _, t in ipairs(ids) do
  local tk = k_ti(run, t)
  local v = redis.call('HMGET', tk, 'state', 'leaf')
  local s, to = v[1], nil
  if state == 'success' then
    if s ~= 'success' then to = 'success' end
  elseif s == 'running' then
    to = 'failed'
  elseif not terminal(s) then
    to = 'skipped'
  end
  if to then
    redis.call('HSET', tk, 'state', to, 'end_date', now, 'next_try_at', '')
    s = to
  end
  if v[2] == '1' and (s == 'failed' or s == 'upstream_failed') then leaf_failed = leaf_failed + 1 end
end
redis.call('HSET', rk, 'n_done', #ids, 'leaf_failed', leaf_failed)
if cur == 'success' or cur == 'failed' then
  redis.call('HSET', rk, 'state', state, 'failure_reason', reason)
else
  end_run(run, state, reason, now, out)
end
return reply('ok', state, out)
