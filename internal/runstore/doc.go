// Package runstore keeps DAG runs and task instances in Redis with Airflow's
// state names. Every state change that the engine relies on (run creation
// with max_active_runs, the start of a try, the completion step with trigger
// rules, retries and run finishing) is one Lua script over keys that share
// the DAG's hash tag, so it is atomic and valid on Redis Cluster. The scripts
// run on redis-server and on miniredis.
package runstore
