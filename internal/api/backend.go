package api

import (
	"context"
	"encoding/json"
	"time"
)

// The interfaces below are what the API consumes. Each is small and declared
// here, on the consumer side; the run store, the engine and the coordinator's
// DAG folder implement them (or a thin adapter does).

// DAGSource lists the DAGs currently loaded from the DAG folder.
type DAGSource interface {
	// DAGs returns every loaded DAG, sorted by id.
	DAGs() []DAGInfo
}

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

// PauseStore keeps the paused flag of each DAG.
type PauseStore interface {
	// Paused reports whether the DAG is paused, and whether that was ever set.
	Paused(ctx context.Context, dagID string) (paused, set bool, err error)
	// SetPaused pauses or unpauses the DAG.
	SetPaused(ctx context.Context, dagID string, paused bool) error
}

// RunStore creates and reads DAG runs.
type RunStore interface {
	// TriggerRun creates a manual run. It returns ErrRunExists (with the
	// existing run) when req.RunID is taken; creation is atomic, so two
	// concurrent triggers with one id create one run.
	TriggerRun(ctx context.Context, dagID string, req TriggerRequest) (Run, error)
	// Run returns one run or ErrNotFound.
	Run(ctx context.Context, dagID, runID string) (Run, error)
	// ListRuns returns one page of a DAG's runs and how many runs match q.
	// The store applies q, so a page never reads every run of a DAG.
	ListRuns(ctx context.Context, dagID string, q RunQuery) (runs []Run, total int, err error)
}

// RunQuery selects a page of one DAG's runs: the filters and the order the
// run store applies itself.
type RunQuery struct {
	// States keeps the runs in one of these states (empty: every state).
	States []RunState
	// Oldest lists the earliest logical date first (runs without one by
	// creation time); the default is newest first.
	Oldest bool
	// Offset skips that many matching runs; Limit bounds the page (0: no
	// bound).
	Offset, Limit int
}

// RunEditor changes existing runs.
type RunEditor interface {
	// PatchRun sets the run's state (when state is non-empty) and note (when
	// note is non-nil) and returns the updated run.
	PatchRun(ctx context.Context, dagID, runID string, state RunState, note *string) (Run, error)
	// DeleteRun removes the run and its task instances.
	DeleteRun(ctx context.Context, dagID, runID string) error
	// ClearRun resets the run's task instances (only the failed and
	// upstream_failed ones when onlyFailed) so they run again; the run goes
	// back to queued.
	ClearRun(ctx context.Context, dagID, runID string, onlyFailed bool) error
}

// TaskStore reads task instances, their tries and logs.
type TaskStore interface {
	// TaskInstances returns the current try of every task instance of the run.
	TaskInstances(ctx context.Context, dagID, runID string) ([]TaskInstance, error)
	// Tries returns every try of one task instance, oldest first.
	Tries(ctx context.Context, dagID, runID, taskID string) ([]TaskInstance, error)
	// Log returns the captured log of one try, or ErrNotFound.
	Log(ctx context.Context, dagID, runID, taskID string, try int) ([]byte, error)
}

// TaskRunner runs ad-hoc tasks (one task outside any DAG).
type TaskRunner interface {
	// Submit enqueues one task and returns it (state queued).
	Submit(ctx context.Context, req TaskRequest) (AdHocTask, error)
	// Task returns a submitted task or ErrNotFound.
	Task(ctx context.Context, id string) (AdHocTask, error)
}

// RunState is an Airflow DAG run state.
//
// It repeats runstore.RunState on purpose: the API declares the types it
// consumes so that its handlers and their tests do not depend on the run
// store. EngineBackend converts between the two with a string conversion
// (fromRun, PatchRun), so the values must stay Airflow's names in both;
// TestRunStatesMatchRunstore checks that.
type RunState string

// DAG run states (Airflow's names).
const (
	RunQueued  RunState = "queued"
	RunRunning RunState = "running"
	RunSuccess RunState = "success"
	RunFailed  RunState = "failed"
)

// Finished reports whether s is a final state.
func (s RunState) Finished() bool { return s == RunSuccess || s == RunFailed }

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
	State             RunState
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

// DagVersionStore keeps the versions of each DAG's definition.
type DagVersionStore interface {
	// DagVersions records current (the loaded definition's version hash;
	// "" for none) when it is new and returns the DAG's versions, number 1
	// first.
	DagVersions(ctx context.Context, dagID, current string) ([]DagVersionInfo, error)
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
	ID    string
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

// adHocFinished reports whether an ad-hoc task state is final.
func adHocFinished(state string) bool { return state == "success" || state == "failed" }

// The interfaces below are what the web UI (internal/ui) consumes beyond the
// API's: the DAG folder's details and import errors, and clearing one task.

// DAGDetails gives the details of the loaded DAGs and the DAG files that do
// not load.
type DAGDetails interface {
	// DAGDetail returns one loaded DAG's tasks, groups, params and next
	// run, or ErrNotFound.
	DAGDetail(dagID string) (DAGDetail, error)
	// DAGFile returns the YAML source of the file the DAG was loaded from.
	DAGFile(dagID string) ([]byte, error)
	// ImportErrors lists the problems of the DAG files that do not load,
	// sorted by file and line.
	ImportErrors() []ImportError
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

// TaskClearer clears one task instance of a finished run and everything
// downstream of it, so they run again.
type TaskClearer interface {
	ClearTask(ctx context.Context, dagID, runID, taskID string) error
}

// TaskEditor changes the state of task instances.
type TaskEditor interface {
	// SetTaskStates sets the listed task instances of a run to state
	// (success, failed or skipped): an unfinished one of a running run ends
	// as if its try had, and its downstream tasks are evaluated; a queued
	// run is ErrInvalid.
	SetTaskStates(ctx context.Context, dagID, runID string, taskIDs []string, state string) error
	// ClearTasks clears exactly the listed task instances of a finished run
	// (with onlyFailed, the failed and upstream_failed ones of them) so they
	// run again, and returns how many were cleared; an unfinished run is
	// ErrInvalid.
	ClearTasks(ctx context.Context, dagID, runID string, taskIDs []string, onlyFailed bool) (int, error)
}
