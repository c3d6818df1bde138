-- note: ARGV = run_id, note. Sets the run's note (Airflow's DAG run note).
-- Returns {'missing'} or {'ok'}.
local rk = k_run(ARGV[1])
if redis.call('EXISTS', rk) == 0 then return {'missing'} end
redis.call('HSET', rk, 'note', ARGV[2])
return {'ok'}
