// Package runstore keeps DAG runs and task instances in Redis with Airflow's
// state names. Every state change that the engine relies on (run creation
// with max_active_runs, the start of a try, the completion step with trigger
// rules, retries and run finishing) is one Lua step over keys that share the
// DAG's hash tag, so it is atomic and valid on Redis Cluster. The steps are
// a Redis function library (FCALL), loaded by the first step that finds it
// missing; on a server without functions (before Redis 7, miniredis) they
// run as scripts (EVALSHA) instead.
package runstore
