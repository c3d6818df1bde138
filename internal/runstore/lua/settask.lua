-- settask: ARGV = run_id, state ('success'|'failed'|'skipped'), now_ms,
-- task ids (comma-separated). Airflow's PATCH of task instance states
-- (mark_tasks.set_state): each listed task instance not already in state
-- takes it.
--   An unfinished task instance (null, scheduled, queued, running,
--     up_for_retry) of a running run ends in state as if its try had: its
--     try is fenced off, its slot freed, and its downstream tasks are
--     evaluated (they may become ready); the run may end.
--   A finished task instance changes state; the downstream tasks still
--     waiting for it count it in its new state. Downstream tasks decided
--     already keep their state (the caller clears the failed ones, as
--     Airflow does).
--   In a finished run only the states change; the run keeps its state.
-- A queued run's task instances have no state yet: {'queued', 'queued'}.
-- Returns {'missing', ''} or {'ok', run_state, dispatch tuples...}; the
-- changed task ids are not returned (the caller read the states before).
local run, state, now, list = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local rk = k_run(run)
local rs = redis.call('HGET', rk, 'state')
if not rs then return {'missing', ''} end
if rs == 'queued' then return {'queued', rs} end
local function terminal(s) return s == 'success' or s == 'failed' or s == 'skipped' or s == 'upstream_failed' end
local function failing(s) return s == 'failed' or s == 'upstream_failed' end
local out = {}
local live = rs == 'running'
for t in string.gmatch(list, '[^,]+') do
  local tk = k_ti(run, t)
  local v = redis.call('HMGET', tk, 'state', 'leaf', 'down')
  local s = v[1]
  if s and s ~= state then
    if not terminal(s) and live then
      if s == 'queued' or s == 'running' then add_slots(run, -1) end
      if s == 'scheduled' then
        local removed = redis.call('ZREM', k_wait(run), t)
        local w = run_waiting(run)
        if w then waiting_of[run] = w - removed end
      end
      redis.call('HSET', tk, 'state', state, 'end_date', now, 'next_try_at', '')
      propagate(run, t, state, now, out, v[3], v[2])
    else
      redis.call('HSET', tk, 'state', state, 'end_date', now, 'next_try_at', '')
      if not terminal(s) then redis.call('HINCRBY', rk, 'n_done', 1) end
      if v[2] == '1' then
        local d = (failing(state) and 1 or 0) - (failing(s) and 1 or 0)
        if d ~= 0 then redis.call('HINCRBY', rk, 'leaf_failed', d) end
      end
      -- Downstream tasks still waiting count the new state instead.
      if live and terminal(s) and v[3] and v[3] ~= '' then
        for d in string.gmatch(v[3], '[^,]+') do
          local dk = k_ti(run, d)
          local c = redis.call('HMGET', dk, 'state', 'rule', 'n_up', 'u_success', 'u_skipped',
            'u_failed', 'u_upstream_failed', 'u_done')
          if c[1] == '' then
            redis.call('HINCRBY', dk, 'u_' .. s, -1)
            redis.call('HINCRBY', dk, 'u_' .. state, 1)
            local cnt = {success = num(c[4]), skipped = num(c[5]), failed = num(c[6]), upstream_failed = num(c[7])}
            cnt[s] = cnt[s] - 1
            cnt[state] = cnt[state] + 1
            local dec = evaluate(c[2], num(c[3]), cnt.success, cnt.skipped, cnt.failed, cnt.upstream_failed, num(c[8]))
            if dec == 'ready' then
              make_ready(run, d, now, out)
            elseif dec then
              redis.call('HSET', dk, 'state', dec, 'end_date', now)
              propagate(run, d, dec, now, out)
            end
          end
        end
      end
    end
  end
end
if live then
  fill_slots(run, now, out)
  rs = maybe_finish(run, now, out)
end
return reply('ok', rs, out)
