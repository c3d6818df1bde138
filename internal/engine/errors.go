package engine

import "errors"

// Sentinel errors of the engine.
var (
	// ErrConfig: an invalid Config.
	ErrConfig = errors.New("invalid engine config")
	// ErrPayload: an asynq task whose payload is not a task instance try.
	ErrPayload = errors.New("invalid task instance payload")
	// ErrWorkerLost: the worker that ran a try was lost (it crashed, or
	// lost Redis past its lease): Reconcile found the try's asynq task
	// archived, gone or held by no live server, or the try's redelivery
	// found asynq's lease expired. The try fails; retries apply.
	ErrWorkerLost = errors.New("worker lost")
)
