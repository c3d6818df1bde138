package runstore

import "errors"

// Sentinel errors of the store.
var (
	// ErrRunNotFound: no run with that dag id and run id.
	ErrRunNotFound = errors.New("dag run not found")
	// ErrTaskNotFound: no task instance with that id in the run.
	ErrTaskNotFound = errors.New("task instance not found")
	// ErrFenced: the try is not the task instance's current try, or the task
	// instance is not in a state that accepts it; the caller must drop it.
	ErrFenced = errors.New("stale try: not the task instance's current try")
	// ErrInvalid: a bad id, spec or argument.
	ErrInvalid = errors.New("invalid run store input")
	// ErrXComTooLarge: a return value over the XCom cap.
	ErrXComTooLarge = errors.New("xcom return_value too large")
)
