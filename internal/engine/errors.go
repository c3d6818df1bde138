package engine

import "errors"

// Sentinel errors of the engine.
var (
	// ErrConfig: an invalid Config.
	ErrConfig = errors.New("invalid engine config")
	// ErrPayload: an asynq task whose payload is not a task instance try.
	ErrPayload = errors.New("invalid task instance payload")
	// ErrWorkerLost: Reconcile failed a try whose asynq task was archived
	// or gone (the worker that ran it was lost).
	ErrWorkerLost = errors.New("worker lost")
)
