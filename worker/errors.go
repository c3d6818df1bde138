package worker

import "errors"

// Sentinel errors of the worker.
var (
	// ErrConfig: an invalid Config.
	ErrConfig = errors.New("invalid worker config")
	// ErrNoHandler: no handler is registered for a task's operator.
	ErrNoHandler = errors.New("no handler registered for task type")
	// ErrTimeout: the try ran past its execution_timeout.
	ErrTimeout = errors.New("execution_timeout exceeded")
	// ErrPanic: the handler panicked.
	ErrPanic = errors.New("task handler panicked")
	// ErrRunning: Handle after Run, or Run twice.
	ErrRunning = errors.New("worker already running")
)
