// Package apimodel is the data the API server (internal/api) exchanges
// with its backends: the DAGs, runs, task instances, pools and backfills as
// the API sees them, and the errors backends return. It is a leaf, so the
// adapters of the engine (internal/apiengine) implement the API's
// interfaces without importing the API, and the API does not import the
// engine.
package apimodel

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/dagworker/dagworker/internal/state"
)

// Sentinel errors. Backends return them (wrapped or not); the API maps
// ErrNotFound to 404, ErrRunExists and ErrExists to 409, ErrInvalid to 400,
// ErrUnsupported to 501 and ErrUnavailable to 503 with Retry-After.
var (
	// ErrNotFound means the DAG, run, task instance, try, log or task does not exist.
	ErrNotFound = errors.New("not found")
	// ErrRunExists means a run with the requested dag_run_id exists already.
	ErrRunExists = errors.New("dag run already exists")
	// ErrInvalid means a backend rejected a request as invalid.
	ErrInvalid = errors.New("invalid request")
	// ErrUnavailable means the run state (Redis) cannot be reached. Network
	// errors, refused connections and the Redis client's pool timeout are
	// mapped to it too.
	ErrUnavailable = errors.New("the run state (Redis) is unreachable")
	// ErrUnsupported means the backend cannot do what was asked.
	ErrUnsupported = errors.New("not supported by this server")
)

// DAGInfo is what the API shows of a loaded DAG. It is the API's own view so
// that the API does not depend on the DAG model's internals; the serve
// command fills it from the DAG folder.
type DAGInfo struct {
	ID          string
	Description string
	// Version is the hash of the loaded definition ("" when unknown).
	Version string
	// File is the path the DAG was loaded from.
	File string
	// Schedule is the schedule as written (cron or preset), "" for manual only.
	Schedule       string
	Tags           []string
	Owners         []string
	MaxActiveRuns  int // 0 means Airflow's default, 16
	MaxActiveTasks int // 0 means Airflow's default, 16
	// PausedUponCreation is the paused state of a DAG never paused or unpaused.
	PausedUponCreation bool
	// NextRun is the next scheduled logical date (nil when none).
	NextRun *time.Time
	// The definition's settings (GET .../details) and tasks (GET .../tasks).
	StartDate, EndDate *time.Time
	Catchup            bool
	DagrunTimeout      time.Duration
	DocMD              string
	Timezone           string
	Params             map[string]any
	Tasks              []TaskInfo
}

// RunQuery selects a page of one DAG's runs: the filters and the order the
// run store applies itself.
type RunQuery struct {
	// States keeps the runs in one of these states (empty: every state).
	States []state.RunState
	// Oldest lists the earliest logical date first (runs without one by
	// creation time); the default is newest first.
	Oldest bool
	// Offset skips that many matching runs; Limit bounds the page (0: no
	// bound).
	Offset, Limit int
}

// TriggerRequest asks for a manual run.
type TriggerRequest struct {
	// RunID is the run id: the caller's dag_run_id, or one the API made
	// (manual__<time>, or derived from an Idempotency-Key).
	RunID string
	// LogicalDate is nil when the caller gave none (Airflow 3 allows that).
	LogicalDate       *time.Time
	DataIntervalStart *time.Time
	DataIntervalEnd   *time.Time
	RunAfter          time.Time
	Conf              map[string]any
	Note              *string
	// TriggeredBy is Airflow's triggered_by ("rest_api").
	TriggeredBy string
	// TriggeringUser is the authenticated user who triggered the run.
	TriggeringUser string
}

// Run is one DAG run.
type Run struct {
	DagID             string
	RunID             string
	RunType           string // manual, scheduled, backfill
	State             state.RunState
	LogicalDate       *time.Time
	DataIntervalStart *time.Time
	DataIntervalEnd   *time.Time
	RunAfter          time.Time
	QueuedAt          *time.Time
	StartDate         *time.Time
	EndDate           *time.Time
	Conf              map[string]any
	Note              *string
	TriggeredBy       string
	// TriggeringUser is Airflow's triggering_user_name ("" for none).
	TriggeringUser string
	// DagVersion is the version hash of the DAG definition the run uses,
	// DagVersionNumber its number among the DAG's versions (0: unknown,
	// shown as 1).
	DagVersion       string
	DagVersionNumber int
	// VersionCreatedAt is when that version was first seen (zero: RunAfter).
	VersionCreatedAt time.Time
}

// DagVersionInfo is one version of a DAG's definition.
type DagVersionInfo struct {
	// Version is the definition's hash, Number its place (1, 2, ...).
	Version string
	Number  int
	Created time.Time
}

// TaskInstance is one try of one task of a run.
type TaskInstance struct {
	DagID  string
	RunID  string
	TaskID string
	// State is "" while the task is not scheduled yet (Airflow's null).
	State string
	Try   int
	// MaxTries is the number of tries allowed (retries + 1, the run store's
	// count); the API shows Airflow's max_tries, which is one less.
	MaxTries       int
	Operator       string
	Queue          string
	Pool           string
	PoolSlots      int
	PriorityWeight int
	Hostname       string
	PID            int
	ScheduledAt    *time.Time
	QueuedAt       *time.Time
	StartDate      *time.Time
	EndDate        *time.Time
	// ReturnValue is the task's XCom return_value (nil when none).
	ReturnValue json.RawMessage
	// Error is the failure message of the try, if any.
	Error string
}

// TaskRequest asks for one ad-hoc task.
type TaskRequest struct {
	Type  string          `json:"type"`
	Args  json.RawMessage `json:"args,omitempty"`
	Queue string          `json:"queue,omitempty"`
}

// AdHocTask is the state of one ad-hoc task.
type AdHocTask struct {
	ID string
	// DagID is the DAG id its logs and outputs are kept under in the data
	// lake (the worker's ad-hoc DAG id).
	DagID string
	Type  string
	Queue string
	// State uses task instance state names: queued, running, success, failed.
	State     string
	Result    json.RawMessage
	OutputURI string
	Error     string
	Log       string
	CreatedAt time.Time
	StartedAt *time.Time
	EndedAt   *time.Time
}

// DAGDetail is a loaded DAG with its tasks.
type DAGDetail struct {
	DAGInfo
	// Line is the DAG's line in File.
	Line int
	// Params are the DAG's params: the defaults of a run's conf.
	Params map[string]any
	// Groups are the DAG's task groups (its tasks, in topological order,
	// are DAGInfo.Tasks).
	Groups []GroupInfo
	// NextRunAfter is when the next scheduled run fires (nil when none);
	// DAGInfo.NextRun is its logical date.
	NextRunAfter *time.Time
}

// GroupInfo is a task group.
type GroupInfo struct {
	// ID is the group path; Parent the parent group's ("" at the top).
	ID, Name, Parent, Tooltip string
}

// ImportError is one problem of a DAG file that does not load.
type ImportError struct {
	File string
	Line int // 0 when the problem concerns the whole file
	Msg  string
	// Since is when the file was first seen broken in its current content.
	Since time.Time
}

// TaskInfo is what the API shows of one task of a loaded DAG.
type TaskInfo struct {
	ID       string
	Operator string
	// Group is the task group path ("" for none), e.g. "extract.sub".
	Group      string
	Upstream   []string
	Downstream []string
	Owner      string
	Queue      string
	Pool       string
	PoolSlots  int
	// PriorityWeight is the weight the scheduler uses (Airflow's downstream
	// rule: the task's own plus its downstream tasks').
	PriorityWeight int
	// OwnWeight is the task's own priority_weight as written (Airflow's
	// task field; 0 reads as the default, 1).
	OwnWeight               int
	Retries                 int
	RetryDelay              time.Duration
	RetryExponentialBackoff bool
	ExecutionTimeout        time.Duration // 0 for none
	TriggerRule             string
	Params                  map[string]any
}

// DefaultPoolName is Airflow's default pool: tasks without a pool are in
// it, and it cannot be deleted.
const DefaultPoolName = "default_pool"

// Pool is an Airflow pool as the store keeps it.
type Pool struct {
	Name            string
	Slots           int // -1: unlimited
	Description     *string
	IncludeDeferred bool
}

// ErrBackfillRunning means the DAG has an unfinished backfill already (409).
var ErrBackfillRunning = errors.New("a backfill of the DAG is running")

// ErrBackfillDone means the backfill completed or was cancelled (409 for
// pause and unpause).
var ErrBackfillDone = errors.New("the backfill is completed")

// BackfillRequest asks for a backfill.
type BackfillRequest struct {
	DagID      string
	From, To   time.Time
	Conf       map[string]any
	Reprocess  string // failed, completed or none
	MaxActive  int
	DryRun     bool
	CreatedBy  string
	RunBackfwd bool
}

// Backfill is one backfill: the runs of a DAG's intervals whose logical
// dates are within From..To.
type Backfill struct {
	ID            int            `json:"id"`
	DagID         string         `json:"dag_id"`
	From          time.Time      `json:"from_date"`
	To            time.Time      `json:"to_date"`
	Conf          map[string]any `json:"dag_run_conf"`
	Reprocess     string         `json:"reprocess_behavior"`
	MaxActiveRuns int            `json:"max_active_runs"`
	Paused        bool           `json:"is_paused"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	CompletedAt   *time.Time     `json:"completed_at,omitempty"`
	// RunIDs are the backfill's runs (created or reprocessed).
	RunIDs []string `json:"run_ids"`
}

// ErrExists means a variable with the key exists already (409).
var ErrExists = errors.New("already exists")

// ErrBusy means the DAG has running task instances (DELETE /dags/{id}: 409).
var ErrBusy = errors.New("task instances are still running")

// AdHocFinished reports whether an ad-hoc task state is final.
func AdHocFinished(state string) bool { return state == "success" || state == "failed" }
