package runstore

import "github.com/dagworker/dagworker/internal/state"

// The run store keeps the states and run types of package state.
type (
	// RunState is a DAG run state.
	RunState = state.RunState
	// TIState is a task instance state ("" for not yet scheduled).
	TIState = state.TIState
	// RunType is how a run was created.
	RunType = state.RunType
)

// DAG run states.
const (
	RunQueued  = state.RunQueued
	RunRunning = state.RunRunning
	RunSuccess = state.RunSuccess
	RunFailed  = state.RunFailed
)

// Task instance states.
const (
	TINone           = state.TINone
	TIScheduled      = state.TIScheduled
	TIQueued         = state.TIQueued
	TIRunning        = state.TIRunning
	TISuccess        = state.TISuccess
	TIFailed         = state.TIFailed
	TIUpForRetry     = state.TIUpForRetry
	TIUpstreamFailed = state.TIUpstreamFailed
	TISkipped        = state.TISkipped
)

// Run types.
const (
	RunScheduled = state.RunScheduled
	RunManual    = state.RunManual
	RunBackfill  = state.RunBackfill
)
