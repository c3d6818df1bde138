package runstore

import "time"

// Snapshot is the JSON copy of a DAG definition a run keeps, so workers need
// no DAG files and a run keeps the version it started with. The engine builds
// it from the DAG model (engine.NewSnapshot); runstore does not import the
// DAG format. Tasks are in topological order (upstream first).
type Snapshot struct {
	DagID          string         `json:"dag_id"`
	Version        string         `json:"version"`
	Description    string         `json:"description,omitempty"`
	MaxActiveRuns  int            `json:"max_active_runs"`
	MaxActiveTasks int            `json:"max_active_tasks"`
	DagrunTimeout  time.Duration  `json:"dagrun_timeout"`
	Params         map[string]any `json:"params,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	Owners         []string       `json:"owners,omitempty"`
	File           string         `json:"fileloc,omitempty"`
	Tasks          []SnapshotTask `json:"tasks"`
}

// SnapshotTask is one task of a Snapshot.
type SnapshotTask struct {
	TaskID                  string         `json:"task_id"`
	Operator                string         `json:"operator"`
	Args                    map[string]any `json:"args,omitempty"`
	Upstream                []string       `json:"upstream,omitempty"`
	Downstream              []string       `json:"downstream,omitempty"`
	TriggerRule             string         `json:"trigger_rule"`
	Retries                 int            `json:"retries"`
	RetryDelay              time.Duration  `json:"retry_delay"`
	RetryExponentialBackoff bool           `json:"retry_exponential_backoff"`
	MaxRetryDelay           time.Duration  `json:"max_retry_delay"`
	ExecutionTimeout        time.Duration  `json:"execution_timeout"`
	Queue                   string         `json:"queue,omitempty"`
	Pool                    string         `json:"pool,omitempty"`
	PoolSlots               int            `json:"pool_slots"`
	PriorityWeight          int            `json:"priority_weight"`
	Group                   string         `json:"group,omitempty"`
	Owner                   string         `json:"owner,omitempty"`
	// Params are the task's own params, merged over the run's for its
	// templates (under the trigger conf).
	Params map[string]any `json:"params,omitempty"`
}
