// Package state declares the states of DAG runs and task instances and the
// types of runs, with Airflow's names, once for the run store that keeps
// them and the API that shows them.
package state

// RunState is a DAG run state (Airflow's names).
type RunState string

// DAG run states.
const (
	RunQueued  RunState = "queued"
	RunRunning RunState = "running"
	RunSuccess RunState = "success"
	RunFailed  RunState = "failed"
)

// Finished reports whether the run is over.
func (s RunState) Finished() bool { return s == RunSuccess || s == RunFailed }

// TIState is a task instance state (Airflow's names; "" is Airflow's null:
// not yet scheduled).
type TIState string

// Task instance states used by dagworker. A ready task waiting for a
// max_active_tasks slot is "scheduled"; one handed to asynq is "queued".
const (
	TINone           TIState = ""
	TIScheduled      TIState = "scheduled"
	TIQueued         TIState = "queued"
	TIRunning        TIState = "running"
	TISuccess        TIState = "success"
	TIFailed         TIState = "failed"
	TIUpForRetry     TIState = "up_for_retry"
	TIUpstreamFailed TIState = "upstream_failed"
	TISkipped        TIState = "skipped"
)

// Terminal reports whether the state is final for the run.
func (s TIState) Terminal() bool {
	switch s {
	case TISuccess, TIFailed, TIUpstreamFailed, TISkipped:
		return true
	}
	return false
}

// RunType is how a run was created (Airflow's names).
type RunType string

// Run types.
const (
	RunScheduled RunType = "scheduled"
	RunManual    RunType = "manual"
	RunBackfill  RunType = "backfill"
)
