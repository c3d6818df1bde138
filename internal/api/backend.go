package api

import (
	"context"

	"github.com/dagworker/dagworker/internal/state"
)

// The interfaces below are what the API consumes. Each is small and declared
// here, on the consumer side; the run store, the engine and the coordinator's
// DAG folder implement them (or a thin adapter does).

// DAGSource lists the DAGs currently loaded from the DAG folder.
type DAGSource interface {
	// DAGs returns every loaded DAG, sorted by id.
	DAGs() []DAGInfo
}

// PauseStore keeps the paused flag of each DAG.
type PauseStore interface {
	// Paused reports whether the DAG is paused, and whether that was ever set.
	Paused(ctx context.Context, dagID string) (paused, set bool, err error)
	// SetPaused pauses or unpauses the DAG.
	SetPaused(ctx context.Context, dagID string, paused bool) error
}

// RunStore creates and reads DAG runs.
type RunStore interface {
	// TriggerRun creates a manual run. It returns ErrRunExists (with the
	// existing run) when req.RunID is taken; creation is atomic, so two
	// concurrent triggers with one id create one run.
	TriggerRun(ctx context.Context, dagID string, req TriggerRequest) (Run, error)
	// Run returns one run or ErrNotFound.
	Run(ctx context.Context, dagID, runID string) (Run, error)
	// ListRuns returns one page of a DAG's runs and how many runs match q.
	// The store applies q, so a page never reads every run of a DAG.
	ListRuns(ctx context.Context, dagID string, q RunQuery) (runs []Run, total int, err error)
}

// RunEditor changes existing runs.
type RunEditor interface {
	// PatchRun sets the run's state (when state is non-empty) and note (when
	// note is non-nil) and returns the updated run.
	PatchRun(ctx context.Context, dagID, runID string, state RunState, note *string) (Run, error)
	// DeleteRun removes the run and its task instances.
	DeleteRun(ctx context.Context, dagID, runID string) error
	// ClearRun resets the run's task instances (only the failed and
	// upstream_failed ones when onlyFailed) so they run again; the run goes
	// back to queued.
	ClearRun(ctx context.Context, dagID, runID string, onlyFailed bool) error
}

// TaskStore reads task instances, their tries and logs.
type TaskStore interface {
	// TaskInstances returns the current try of every task instance of the run.
	TaskInstances(ctx context.Context, dagID, runID string) ([]TaskInstance, error)
	// Tries returns every try of one task instance, oldest first.
	Tries(ctx context.Context, dagID, runID, taskID string) ([]TaskInstance, error)
	// Log returns the captured log of one try, or ErrNotFound.
	Log(ctx context.Context, dagID, runID, taskID string, try int) ([]byte, error)
}

// TaskRunner runs ad-hoc tasks (one task outside any DAG).
type TaskRunner interface {
	// Submit enqueues one task and returns it (state queued).
	Submit(ctx context.Context, req TaskRequest) (AdHocTask, error)
	// Task returns a submitted task or ErrNotFound.
	Task(ctx context.Context, id string) (AdHocTask, error)
}

// RunState is a DAG run state (package state's, which the run store keeps).
type RunState = state.RunState

// DAG run states (Airflow's names).
const (
	RunQueued  = state.RunQueued
	RunRunning = state.RunRunning
	RunSuccess = state.RunSuccess
	RunFailed  = state.RunFailed
)

// DagVersionStore keeps the versions of each DAG's definition.
type DagVersionStore interface {
	// DagVersions records current (the loaded definition's version hash;
	// "" for none) when it is new and returns the DAG's versions, number 1
	// first.
	DagVersions(ctx context.Context, dagID, current string) ([]DagVersionInfo, error)
}

// The interfaces below are what the web UI (internal/ui) consumes beyond the
// API's: the DAG folder's details and import errors, and clearing one task.

// DAGDetails gives the details of the loaded DAGs and the DAG files that do
// not load.
type DAGDetails interface {
	// DAGDetail returns one loaded DAG's tasks, groups, params and next
	// run, or ErrNotFound.
	DAGDetail(dagID string) (DAGDetail, error)
	// DAGFile returns the YAML source of the file the DAG was loaded from.
	DAGFile(dagID string) ([]byte, error)
	// ImportErrors lists the problems of the DAG files that do not load,
	// sorted by file and line.
	ImportErrors() []ImportError
}

// TaskClearer clears one task instance of a finished run and everything
// downstream of it, so they run again.
type TaskClearer interface {
	ClearTask(ctx context.Context, dagID, runID, taskID string) error
}

// TaskEditor changes the state of task instances.
type TaskEditor interface {
	// SetTaskStates sets the listed task instances of a run to state
	// (success, failed or skipped): an unfinished one of a running run ends
	// as if its try had, and its downstream tasks are evaluated; a queued
	// run is ErrInvalid.
	SetTaskStates(ctx context.Context, dagID, runID string, taskIDs []string, state string) error
	// ClearTasks clears exactly the listed task instances of a finished run
	// (with onlyFailed, the failed and upstream_failed ones of them) so they
	// run again, and returns how many were cleared; an unfinished run is
	// ErrInvalid.
	ClearTasks(ctx context.Context, dagID, runID string, taskIDs []string, onlyFailed bool) (int, error)
}
