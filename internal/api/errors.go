package api

import "errors"

// Sentinel errors. Backends return ErrNotFound and ErrRunExists (wrapped or
// not); the API maps them to 404 and 409.
var (
	// ErrNotFound means the DAG, run, task instance, try, log or task does not exist.
	ErrNotFound = errors.New("not found")
	// ErrRunExists means a run with the requested dag_run_id exists already.
	ErrRunExists = errors.New("dag run already exists")
	// ErrConfig means the Config given to New is invalid.
	ErrConfig = errors.New("invalid api config")
	// ErrInvalid means a backend rejected a request as invalid (mapped to 400).
	ErrInvalid = errors.New("invalid request")
)
