-- Shared helpers of every step. They are loaded once per server as the top
-- of a Redis function library (or, on a server without functions, prepended
-- to each step's script): each step first calls begin(KEYS), which binds
-- the call's DAG hash tag "{<prefix>:<dag_id>}" (every key is built from
-- it, see keys.go) and empties the per-call caches below.
local tag, k_runs, k_active, k_queued
local caps, slots_of, slots_read, waiting_of, waiting_read, starts, incs, tps

local function begin(keys)
  tag = keys[1]
  k_runs, k_active, k_queued = tag .. ':runs', tag .. ':active', tag .. ':queued'
  caps, slots_of, slots_read, waiting_of, waiting_read, starts, incs, tps = {}, {}, {}, {}, {}, {}, {}, {}
end

local function k_run(run) return tag .. ':run:' .. run end
local function k_ti(run, task) return tag .. ':ti:' .. run .. ':' .. task end
local function k_tasks(run) return tag .. ':tasks:' .. run end
local function k_wait(run) return tag .. ':wait:' .. run end
local function k_xcom(run) return tag .. ':xcom:' .. run end
local function k_versions() return tag .. ':versions' end

-- dag_version records a version (hash) of the DAG's definition the first
-- time it is seen, numbered after the ones before, and returns its
-- "<number>:<first seen, ms>".
local function dag_version(ver, now)
  local vk = k_versions()
  local v = redis.call('HGET', vk, ver)
  if not v then
    v = (redis.call('HLEN', vk) + 1) .. ':' .. now
    redis.call('HSET', vk, ver, v)
  end
  return v
end

local function num(v) return tonumber(v) or 0 end

-- Airflow's trigger rules (trigger_rule_dep.py with flag_upstream_failed):
-- returns 'ready', 'skipped', 'upstream_failed' or nil (keep waiting).
local function evaluate(rule, n, s, sk, f, uf, done)
  local all_done = done >= n
  if rule == 'all_success' then
    if uf > 0 or f > 0 then return 'upstream_failed' end
    if sk > 0 then return 'skipped' end
    if s >= n then return 'ready' end
  elseif rule == 'all_failed' then
    if s > 0 or sk > 0 then return 'skipped' end
    if f + uf >= n then return 'ready' end
  elseif rule == 'all_done' then
    if all_done then return 'ready' end
  elseif rule == 'all_skipped' then
    if s > 0 or f > 0 or uf > 0 then return 'skipped' end
    if sk >= n then return 'ready' end
  elseif rule == 'one_success' then
    if all_done and done == sk then return 'skipped' end
    if all_done and s <= 0 then return 'upstream_failed' end
    if s > 0 then return 'ready' end
  elseif rule == 'one_failed' then
    if all_done and f + uf == 0 then return 'skipped' end
    if f + uf > 0 then return 'ready' end
  elseif rule == 'one_done' then
    if all_done and f + s == 0 then return 'skipped' end
    if f + s > 0 then return 'ready' end
  elseif rule == 'none_failed' then
    if uf > 0 or f > 0 then return 'upstream_failed' end
    if s + sk >= n then return 'ready' end
  elseif rule == 'none_failed_min_one_success' then
    if uf > 0 or f > 0 then return 'upstream_failed' end
    if sk >= n then return 'skipped' end
    if s + sk >= n then return 'ready' end
  elseif rule == 'none_skipped' then
    if sk > 0 then return 'skipped' end
    if all_done then return 'ready' end
  elseif rule == 'always' then
    return 'ready'
  end
  return nil
end

-- caps caches each run's max_active_tasks for this call (it is fixed when
-- the run is created): 0 means no cap, and then nothing is ever parked.
local function run_cap(run)
  local c = caps[run]
  if c == nil then
    c = num(redis.call('HGET', k_run(run), 'max_active_tasks'))
    caps[run] = c
  end
  return c
end

-- slots_of caches each run's taken max_active_tasks slots for this call:
-- the field is read at most once (or handed over by know_slots from a
-- read the script made anyway), changed here, and written once by reply()
-- when it differs from what was read: a completion that frees a slot and
-- hands it to the next task writes nothing.
local function know_slots(run, n)
  slots_of[run], slots_read[run] = n, n
end
local function run_slots(run)
  local n = slots_of[run]
  if n == nil then
    n = num(redis.call('HGET', k_run(run), 'slots'))
    know_slots(run, n)
  end
  return n
end
local function add_slots(run, d)
  slots_of[run] = run_slots(run) + d
end

-- waiting_of caches the size of each run's wait set (the run field
-- 'waiting') the same way, so a completion pops the wait set only when a
-- task waits there. false means unknown (a run created before the field
-- existed): such a run always tries the wait set and never writes the field.
local function know_waiting(run, n)
  waiting_of[run], waiting_read[run] = n, n
end
local function run_waiting(run)
  local n = waiting_of[run]
  if n == nil then
    n = tonumber(redis.call('HGET', k_run(run), 'waiting')) or false
    know_waiting(run, n)
  end
  return n
end

local function flush_slots()
  for run, n in pairs(slots_of) do
    if n ~= slots_read[run] then redis.call('HSET', k_run(run), 'slots', n) end
  end
  for run, n in pairs(waiting_of) do
    if n and n ~= waiting_read[run] then redis.call('HSET', k_run(run), 'waiting', n) end
  end
end

-- DISPATCH_FIELDS are the task instance fields dispatch needs; a caller that
-- has read them already (in this order) passes them as v. 'static' is what a
-- worker needs to start the try without reading Redis (see Static in Go).
local DISPATCH_FIELDS = {'try_number', 'queue', 'exec_timeout_ms', 'pool', 'pool_slots', 'static'}

-- run_start returns a running run's start_date, read once per call.
local function run_start(run)
  local v = starts[run]
  if v == nil then
    v = redis.call('HGET', k_run(run), 'start_date') or ''
    starts[run] = v
  end
  return v
end

-- run_inc returns the run's incarnation token, read once per call.
local function run_inc(run)
  local v = incs[run]
  if v == nil then
    v = redis.call('HGET', k_run(run), 'inc') or ''
    incs[run] = v
  end
  return v
end

-- run_tp returns the run's traceparent ('' without tracing), read once per call.
local function run_tp(run)
  local v = tps[run]
  if v == nil then
    v = redis.call('HGET', k_run(run), 'tp') or ''
    tps[run] = v
  end
  return v
end

-- with appends the field/value pairs pre (may be nil) to f and returns f.
local function with(f, pre)
  if pre then
    for _, x in ipairs(pre) do f[#f + 1] = x end
  end
  return f
end

-- dispatch takes a max_active_tasks slot, starts a new try and appends the
-- dispatch tuple (run, task, try, queue, exec_timeout_ms, retry_at=0, pool,
-- pool_slots, static, run start_date, run incarnation, run traceparent) to out. pre holds more field/value
-- pairs of the task instance to write in the same HSET (nil for none); v its
-- DISPATCH_FIELDS when the caller has read them (else nil).
local function dispatch(run, task, now, out, pre, v)
  local tk = k_ti(run, task)
  if v == nil then v = redis.call('HMGET', tk, unpack(DISPATCH_FIELDS)) end
  local try = num(v[1]) + 1
  redis.call('HSET', tk, unpack(with({'try_number', try, 'state', 'queued', 'queued_at', now, 'next_try_at', ''}, pre)))
  add_slots(run, 1)
  out[#out + 1] = {run, task, try, v[2], v[3] or '0', '0', v[4] or '', v[5] or '1', v[6] or '', run_start(run), run_inc(run),
    run_tp(run)}
end

-- make_ready dispatches a ready task, or parks it in the run's wait set
-- (state scheduled) when max_active_tasks slots are all taken. pre and v
-- are passed on as for dispatch.
local function make_ready(run, task, now, out, pre, v)
  local cap = run_cap(run)
  if cap > 0 and run_slots(run) >= cap then
    local tk = k_ti(run, task)
    local prio = num(redis.call('HGET', tk, 'priority_weight'))
    redis.call('HSET', tk, unpack(with({'state', 'scheduled', 'next_try_at', ''}, pre)))
    local added = redis.call('ZADD', k_wait(run), -prio, task)
    local w = run_waiting(run)
    if w then waiting_of[run] = w + added end
  else
    dispatch(run, task, now, out, pre, v)
  end
end

-- fill_slots dispatches waiting tasks while slots are free (only a capped
-- run parks tasks).
local function fill_slots(run, now, out)
  local cap = run_cap(run)
  if cap == 0 then return end
  while run_slots(run) < cap do
    local w = run_waiting(run)
    if w == 0 then return end
    local top = redis.call('ZPOPMIN', k_wait(run))
    if #top == 0 then
      if w then waiting_of[run] = 0 end
      return
    end
    if w then waiting_of[run] = w - 1 end
    dispatch(run, top[1], now, out)
  end
end

-- propagate records that task reached terminal state st and walks the
-- consequences: downstream counters, trigger rules, skipped and
-- upstream_failed cascades, newly ready tasks. down and leaf are the task's
-- fields when the caller has read them already (else nil). It returns the
-- run's n_done afterwards.
local function propagate(run, task, st, now, out, down, leaf)
  local rk = k_run(run)
  local stack = {{task, st}}
  local n_done, leaf_failed = 0, 0
  while #stack > 0 do
    local item = table.remove(stack)
    local t, s = item[1], item[2]
    if down == nil then
      local v = redis.call('HMGET', k_ti(run, t), 'down', 'leaf')
      down, leaf = v[1], v[2]
    end
    n_done = n_done + 1
    if leaf == '1' and (s == 'failed' or s == 'upstream_failed') then
      leaf_failed = leaf_failed + 1
    end
    if down and down ~= '' then
      for d in string.gmatch(down, '[^,]+') do
        local dk = k_ti(run, d)
        -- The dispatch fields come along: a task that becomes ready is
        -- dispatched without reading its hash again.
        local c = redis.call('HMGET', dk, 'state', 'rule', 'n_up', 'u_success', 'u_skipped',
          'u_failed', 'u_upstream_failed', 'u_done', unpack(DISPATCH_FIELDS))
        local cs, csk, cf, cuf, cd = num(c[4]), num(c[5]), num(c[6]), num(c[7]), num(c[8]) + 1
        local cnt
        if s == 'success' then
          cs = cs + 1
          cnt = cs
        elseif s == 'skipped' then
          csk = csk + 1
          cnt = csk
        elseif s == 'failed' then
          cf = cf + 1
          cnt = cf
        else
          cuf = cuf + 1
          cnt = cuf
        end
        -- The counters are written in the same HSET as the decision.
        local counters = {'u_' .. s, cnt, 'u_done', cd}
        local dec
        if c[1] == '' then dec = evaluate(c[2], num(c[3]), cs, csk, cf, cuf, cd) end
        if dec == 'ready' then
          make_ready(run, d, now, out, counters, {c[9], c[10], c[11], c[12], c[13], c[14]})
        elseif dec then
          redis.call('HSET', dk, 'state', dec, 'end_date', now, unpack(counters))
          stack[#stack + 1] = {d, dec}
        else
          redis.call('HSET', dk, unpack(counters))
        end
      end
    end
    down, leaf = nil, nil
  end
  if leaf_failed > 0 then redis.call('HINCRBY', rk, 'leaf_failed', leaf_failed) end
  return redis.call('HINCRBY', rk, 'n_done', n_done)
end

local start_queued

-- start_run moves a run to running and makes its roots ready.
local function start_run(run, now, out)
  local rk = k_run(run)
  redis.call('HSET', rk, 'state', 'running', 'start_date', now)
  starts[run] = now
  redis.call('SADD', k_active, run)
  redis.call('ZREM', k_queued, run)
  local roots = redis.call('HGET', rk, 'roots')
  if roots and roots ~= '' then
    -- A run put back to queued (setstate) keeps its finished roots.
    local requeued = redis.call('HGET', rk, 'requeued') == '1'
    for t in string.gmatch(roots, '[^,]+') do
      if not requeued or (redis.call('HGET', k_ti(run, t), 'state') or '') == '' then
        make_ready(run, t, now, out)
      end
    end
  end
end

-- end_run finishes a running or queued run and frees its max_active_runs slot.
local function end_run(run, state, reason, now, out)
  local rk = k_run(run)
  redis.call('HSET', rk, 'state', state, 'end_date', now, 'failure_reason', reason, 'waiting', 0)
  redis.call('SREM', k_active, run)
  redis.call('ZREM', k_queued, run)
  redis.call('DEL', k_wait(run))
  know_waiting(run, 0)
  start_queued(now, out)
end

-- maybe_finish ends the run when every task instance is terminal: failed if
-- any leaf failed or is upstream_failed (Airflow's rule), else success. It
-- returns the run's state afterwards.
local function maybe_finish(run, now, out)
  local v = redis.call('HMGET', k_run(run), 'state', 'n_done', 'n_tasks', 'leaf_failed')
  if v[1] ~= 'running' or num(v[2]) < num(v[3]) then return v[1] end
  if num(v[4]) > 0 then
    end_run(run, 'failed', 'a leaf task failed or is upstream_failed', now, out)
    return 'failed'
  end
  end_run(run, 'success', '', now, out)
  return 'success'
end

-- start_queued starts queued runs, oldest first, while the DAG is under
-- max_active_runs (each run carries the limit it was created with).
start_queued = function(now, out)
  while true do
    local head = redis.call('ZRANGE', k_queued, 0, 0)
    if #head == 0 then return end
    local limit = num(redis.call('HGET', k_run(head[1]), 'max_active_runs'))
    if limit > 0 and redis.call('SCARD', k_active) >= limit then return end
    start_run(head[1], now, out)
    maybe_finish(head[1], now, out)
  end
end

-- reply writes the changed slot counts (every script that changes state
-- ends with it) and flattens dispatch tuples into the reply after a status
-- word.
local function reply(status, extra, out)
  flush_slots()
  local r = {status, extra}
  for _, d in ipairs(out) do
    for _, x in ipairs(d) do r[#r + 1] = x end
  end
  return r
end
