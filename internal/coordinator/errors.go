package coordinator

import "errors"

// Errors of the coordinator.
var (
	// ErrInvalidConfig is returned by New and NewFolder for a configuration
	// they cannot use.
	ErrInvalidConfig = errors.New("coordinator: invalid config")
	// ErrDAGFolder is returned when the DAG folder cannot be read.
	ErrDAGFolder = errors.New("cannot read the dag folder")
	// ErrDuplicateDAG is reported (as an import error) for a DAG id defined
	// in two files.
	ErrDuplicateDAG = errors.New("duplicate dag id")
	// ErrNotLeader is returned by a leader's write after it lost the lease
	// (its fencing token is stale).
	ErrNotLeader = errors.New("coordinator: not the leader any more")
)
