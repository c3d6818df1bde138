-- clear: ARGV = run_id, only_failed ('1'|'0'), now_ms. Airflow's clear of a
-- finished run: the selected task instances (every one, or the failed and
-- upstream_failed ones) and everything downstream of them go back to null
-- (''), their XComs are removed and their try records kept; the next try
-- number follows the last and max_tries grows by the task's retries, as in
-- Airflow. The run goes back to running at once (even over max_active_runs)
-- and every cleared task whose upstream tasks were all kept is evaluated now.
-- ARGV[4], when given, selects task instances (comma-separated ids, and
-- their downstream) instead; ARGV[5] = 'exact' clears only those.
-- Returns {'missing'|'unfinished', state} or {'ok', n_cleared, dispatch tuples...}.
local run, only_failed, now, one, exact = ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5] == 'exact'
local listed = nil
if one and one ~= '' then
  listed = {}
  for t in string.gmatch(one, '[^,]+') do listed[t] = true end
end
local rk = k_run(run)
local cur = redis.call('HGET', rk, 'state')
if not cur then return {'missing', ''} end
if cur ~= 'success' and cur ~= 'failed' then return {'unfinished', cur} end
local ids = redis.call('LRANGE', k_tasks(run), 0, -1)
-- The task list is topological, so one pass closes the selection downstream.
local sel, n = {}, 0
for _, t in ipairs(ids) do
  local v = redis.call('HMGET', k_ti(run, t), 'state', 'up')
  local pick
  if listed then
    pick = listed[t] == true and ((not only_failed) or v[1] == 'failed' or v[1] == 'upstream_failed')
  else
    pick = (not only_failed) or v[1] == 'failed' or v[1] == 'upstream_failed'
  end
  if not pick and not exact and v[2] and v[2] ~= '' then
    for u in string.gmatch(v[2], '[^,]+') do
      if sel[u] then
        pick = true
        break
      end
    end
  end
  if pick then
    sel[t] = true
    n = n + 1
  end
end
if n == 0 then return {'ok', '0'} end
local done, leaf_failed = 0, 0
for _, t in ipairs(ids) do
  local tk = k_ti(run, t)
  if sel[t] then
    local v = redis.call('HMGET', tk, 'try_number', 'max_tries', 'retries')
    local retries = v[3]
    if not retries or retries == '' then
      retries = math.max(num(v[2]) - 1, 0)
      redis.call('HSET', tk, 'retries', retries)
    end
    redis.call('HSET', tk, 'state', '', 'max_tries', num(v[1]) + num(retries) + 1, 'u_success', 0,
      'u_failed', 0, 'u_skipped', 0, 'u_upstream_failed', 0, 'u_done', 0)
    -- 'static' holds max_tries as the run was created: a cleared task's
    -- tries start the slow way, reading the task instance.
    redis.call('HDEL', tk, 'next_try_at', 'queued_at', 'start_date', 'end_date', 'duration_ms', 'hostname', 'static')
    redis.call('HDEL', k_xcom(run), t)
  else
    done = done + 1
    local v = redis.call('HMGET', tk, 'leaf', 'state')
    if v[1] == '1' and (v[2] == 'failed' or v[2] == 'upstream_failed') then leaf_failed = leaf_failed + 1 end
  end
end
-- Counters of the cleared tasks from the upstream tasks that were kept
-- (all terminal: the run was finished).
for _, t in ipairs(ids) do
  if sel[t] then
    local tk = k_ti(run, t)
    local up = redis.call('HGET', tk, 'up')
    if up and up ~= '' then
      for u in string.gmatch(up, '[^,]+') do
        if not sel[u] then
          local s = redis.call('HGET', k_ti(run, u), 'state')
          redis.call('HINCRBY', tk, 'u_' .. s, 1)
          redis.call('HINCRBY', tk, 'u_done', 1)
        end
      end
    end
  end
end
redis.call('HSET', rk, 'state', 'running', 'queued_at', now, 'start_date', now, 'n_done', done,
  'leaf_failed', leaf_failed, 'slots', 0, 'waiting', 0)
starts[run] = now
know_slots(run, 0)
know_waiting(run, 0)
redis.call('HDEL', rk, 'end_date', 'failure_reason')
redis.call('DEL', k_wait(run))
redis.call('SADD', k_active, run)
redis.call('ZREM', k_queued, run)
local out = {}
for _, t in ipairs(ids) do
  if sel[t] then
    local tk = k_ti(run, t)
    local c = redis.call('HMGET', tk, 'state', 'rule', 'n_up', 'u_success', 'u_skipped',
      'u_failed', 'u_upstream_failed', 'u_done')
    -- A cascade earlier in this loop may have decided the task already.
    if c[1] == '' and num(c[8]) >= num(c[3]) then
      local dec = 'ready'
      if num(c[3]) > 0 then
        dec = evaluate(c[2], num(c[3]), num(c[4]), num(c[5]), num(c[6]), num(c[7]), num(c[8]))
      end
      if dec == 'ready' then
        make_ready(run, t, now, out)
      elseif dec then
        redis.call('HSET', tk, 'state', dec, 'end_date', now)
        propagate(run, t, dec, now, out)
      end
    end
  end
end
maybe_finish(run, now, out)
return reply('ok', tostring(n), out)
