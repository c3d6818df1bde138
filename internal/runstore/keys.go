package runstore

import (
	"fmt"
	"strings"
)

// Keys builds the Redis keys of the store. Every key of one DAG shares the
// hash tag {<prefix>:<dag_id>}, so run creation, the run index and the
// max_active_runs accounting are one atomic Lua step that is also valid on
// Redis Cluster. Run ids may contain ':' (RFC 3339 times); task ids may not,
// so a TI key reads unambiguously from the right. The Lua scripts build the
// same keys from the tag (see lua/lib.lua); keep both in step.
type Keys struct {
	prefix string
}

// NewKeys returns the key builder for prefix (e.g. "dagworker").
func NewKeys(prefix string) Keys { return Keys{prefix: prefix} }

// Prefix returns the key prefix.
func (k Keys) Prefix() string { return k.prefix }

// Variables is the hash of Airflow variables (variable key → the JSON
// {"value": ..., "description": ...} the API writes; see VariableValues).
func (k Keys) Variables() string { return k.prefix + ":variables" }

// Tag is the hash tag shared by every key of the DAG.
func (k Keys) Tag(dagID string) string { return "{" + k.prefix + ":" + dagID + "}" }

// Run is the hash of one DAG run.
func (k Keys) Run(dagID, runID string) string { return k.Tag(dagID) + ":run:" + runID }

// Runs is the DAG's run index: a sorted set of run ids scored by logical
// date (Unix ms; the creation time for runs without one).
func (k Keys) Runs(dagID string) string { return k.Tag(dagID) + ":runs" }

// Active is the set of the DAG's running runs (max_active_runs accounting).
func (k Keys) Active(dagID string) string { return k.Tag(dagID) + ":active" }

// Queued is the sorted set of runs waiting for a max_active_runs slot,
// oldest logical date first.
func (k Keys) Queued(dagID string) string { return k.Tag(dagID) + ":queued" }

// TaskList is the list of a run's task ids in topological order.
func (k Keys) TaskList(dagID, runID string) string { return k.Tag(dagID) + ":tasks:" + runID }

// TI is the hash of one task instance: state, try number, spec fields,
// upstream counters (u_success, u_failed, u_skipped, u_upstream_failed,
// u_done) and one field "try:<n>" per try record.
func (k Keys) TI(dagID, runID, taskID string) string {
	return k.Tag(dagID) + ":ti:" + runID + ":" + taskID
}

// XCom is the hash task_id → return_value JSON of a run.
func (k Keys) XCom(dagID, runID string) string { return k.Tag(dagID) + ":xcom:" + runID }

// Wait is the sorted set of a run's ready tasks waiting for a
// max_active_tasks slot, highest priority_weight first.
func (k Keys) Wait(dagID, runID string) string { return k.Tag(dagID) + ":wait:" + runID }

// Versions is the hash of a DAG's versions: version hash → "<number>:<first seen, ms>".
func (k Keys) Versions(dagID string) string { return k.Tag(dagID) + ":versions" }

// DAGs is the set of DAG ids that have runs (outside any hash tag).
func (k Keys) DAGs() string { return k.prefix + ":dags" }

// CheckID validates a dag, run or task id for use in keys: non-empty, at most
// 250 bytes, not "." or "..", no control bytes, and no character that would break the key
// layout ('{', '}' for dag ids; ':' and ',' for task ids).
func CheckID(kind, id string) error {
	if id == "" || len(id) > 250 {
		return fmt.Errorf("%w: %s id %q: empty or longer than 250 bytes", ErrInvalid, kind, id)
	}
	if id == "." || id == ".." {
		return fmt.Errorf("%w: %s id %q: not a name (the data lake's paths cannot hold it)", ErrInvalid, kind, id)
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %s id %q contains a control character", ErrInvalid, kind, id)
		}
	}
	bad := ""
	switch kind {
	case "dag":
		bad = "{}/"
	case "task":
		bad = ":,{}/"
	case "run":
		bad = "{}/"
	}
	if i := strings.IndexAny(id, bad); i >= 0 {
		return fmt.Errorf("%w: %s id %q must not contain %q", ErrInvalid, kind, id, id[i])
	}
	return nil
}
