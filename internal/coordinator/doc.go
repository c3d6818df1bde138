// Package coordinator creates DAG runs on their schedules and keeps runs
// moving: the cron leader (one replica at a time, elected with a Redis lease),
// run creation with catchup, the reconcile sweep that every replica runs, the
// DAG folder reload with import errors, and the paused flags shared through
// Redis.
//
// PlanRuns is the pure part: given a DAG's schedule, the last run created and
// the time, it says which intervals need runs. The Coordinator acts on it.
package coordinator
