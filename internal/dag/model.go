// Package dag is the DAG file format: it decodes dag-factory-style YAML
// strictly, validates it into the model below, and computes schedules. It is
// a leaf package: it imports none of dagworker's packages and knows nothing of
// Redis or asynq.
package dag

import (
	"time"
)

// DAG is a validated DAG definition.
type DAG struct {
	ID          string
	Description string
	// Schedule is nil for a manual-only DAG (schedule: null).
	Schedule             *Schedule
	StartDate            time.Time // zero when unset
	EndDate              time.Time // zero when unset
	Location             *time.Location
	Catchup              bool
	MaxActiveRuns        int           // 0 means the default (16, Airflow's)
	MaxActiveTasks       int           // 0 means the default (16, Airflow's)
	DagrunTimeout        time.Duration // 0 means none
	IsPausedUponCreation bool
	Tags                 []string
	Owners               []string
	Params               map[string]any
	// Tasks in a deterministic topological order (upstream before downstream,
	// ties by declaration order).
	Tasks []*Task
	// File is the path the DAG was loaded from; Line its line there.
	File string
	Line int
	// Version identifies the definition (a hash of its normalised form), so a
	// run can name the version it was created with.
	Version string
}

// Task is one task of a DAG.
type Task struct {
	ID       string
	Operator string // the registered task type (aliases already resolved)
	// Args holds the operator's own keys (everything that is not an Airflow
	// task key), unrendered: strings may hold {{ ... }} templates.
	Args map[string]any
	// Upstream and Downstream are task ids, sorted.
	Upstream    []string
	Downstream  []string
	TriggerRule TriggerRule

	Retries                 int
	RetryDelay              time.Duration // default 300s (Airflow's)
	RetryExponentialBackoff bool
	MaxRetryDelay           time.Duration // 0 means Airflow's cap of 24h
	ExecutionTimeout        time.Duration // 0 means none
	Queue                   string        // "" means the operator's default queue
	Pool                    string        // "" means default_pool
	PoolSlots               int           // default 1
	PriorityWeight          int           // default 1
	Group                   string        // task group path ("" for none), e.g. "extract.sub"
	Owner                   string
	Line                    int // line of the task in its file
}

// TriggerRule is one of Airflow's eleven trigger rules.
type TriggerRule string

// Airflow's trigger rules (the eleven classic ones; setup/teardown rules are
// not supported because dagworker has no setup/teardown tasks).
const (
	AllSuccess              TriggerRule = "all_success"
	AllFailed               TriggerRule = "all_failed"
	AllDone                 TriggerRule = "all_done"
	AllSkipped              TriggerRule = "all_skipped"
	OneSuccess              TriggerRule = "one_success"
	OneFailed               TriggerRule = "one_failed"
	OneDone                 TriggerRule = "one_done"
	NoneFailed              TriggerRule = "none_failed"
	NoneFailedMinOneSuccess TriggerRule = "none_failed_min_one_success"
	NoneSkipped             TriggerRule = "none_skipped"
	AlwaysRule              TriggerRule = "always"
)
