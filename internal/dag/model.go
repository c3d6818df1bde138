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
	// DisplayName is dag_display_name ("" when unset); DocMD is doc_md.
	DisplayName string
	DocMD       string
	// Groups lists the task groups by path ("extract", "extract.sub"), in
	// declaration order.
	Groups []*Group
}

// Group is a task group (Airflow's TaskGroup): a named set of tasks that can
// stand at either end of a dependency.
type Group struct {
	// ID is the group's path: parent group ids joined with ".".
	ID      string
	Name    string // the group_name as written
	Parent  string // the parent group's ID ("" for a top-level group)
	Tooltip string
	// Upstream lists the task and group names the group depends on, as written.
	Upstream []string
	Line     int
}

// Task returns the task with the given id, or nil.
func (d *DAG) Task(id string) *Task {
	for _, t := range d.Tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
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
	// PriorityWeightTotal is the weight the scheduler uses, by Airflow's
	// default weight_rule downstream: PriorityWeight plus the weights of
	// every task downstream of this one, directly or not.
	PriorityWeightTotal int
	Group               string // task group path ("" for none), e.g. "extract.sub"
	// Params are the task's own params (Airflow's BaseOperator params):
	// merged over the DAG's for this task's templates; the trigger conf
	// still wins.
	Params map[string]any
	Owner  string
	Line   int // line of the task in its file
	Column int // column of the task in its file
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

// TriggerRules returns the accepted trigger rules in Airflow's documentation order.
func TriggerRules() []TriggerRule {
	return []TriggerRule{
		AllSuccess, AllFailed, AllDone, AllSkipped, OneSuccess, OneFailed, OneDone,
		NoneFailed, NoneFailedMinOneSuccess, NoneSkipped, AlwaysRule,
	}
}

// Valid reports whether r is one of the eleven rules.
func (r TriggerRule) Valid() bool {
	for _, x := range TriggerRules() {
		if r == x {
			return true
		}
	}
	return false
}

// Warning is a problem that does not stop a DAG from loading (a probably
// mistaken cron spec, an Airflow key dagworker ignores).
type Warning struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// String formats the warning as file:line:col: message.
func (w Warning) String() string { return position(w.File, w.Line, w.Column) + w.Msg }
