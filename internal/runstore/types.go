package runstore

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/dagworker/dagworker/internal/jsonenc"
)

// Run is one DAG run as stored.
type Run struct {
	DagID             string
	RunID             string
	State             RunState
	RunType           RunType
	LogicalDate       time.Time // zero for a run without one
	DataIntervalStart time.Time
	DataIntervalEnd   time.Time
	RunAfter          time.Time
	QueuedAt          time.Time
	StartDate         time.Time // zero until the run starts
	EndDate           time.Time // zero until the run ends
	// Conf is the trigger conf (a JSON object; "{}" when none).
	Conf json.RawMessage
	// Params is the DAG's params with Conf merged over them (a JSON object):
	// what templates see as params.
	Params     json.RawMessage
	DagVersion string
	// DagVersionNumber is DagVersion's number among the DAG's versions (1
	// for the first; 0 for a run created before versions were numbered),
	// DagVersionCreated when the version was first seen.
	DagVersionNumber  int
	DagVersionCreated time.Time
	Note              string
	TriggeredBy       string
	// TriggeringUser is who triggered a manual run ("" for none).
	TriggeringUser string
	FailureReason  string
	// TasksTotal and TasksDone count task instances (done = terminal).
	TasksTotal int
	TasksDone  int
	// MaxActiveRuns, MaxActiveTasks and DagrunTimeout are the DAG's limits
	// at creation (0 means none for the timeout).
	MaxActiveRuns  int
	MaxActiveTasks int
	DagrunTimeout  time.Duration
	// Incarnation is a random token set when the run is created: a run
	// deleted and created again with the same id has a new one, so the
	// queue's ids of its tries (engine.TaskID) differ from the old run's.
	// "" for runs created before it existed.
	Incarnation string
}

// TaskInstance is one task of one run as stored.
type TaskInstance struct {
	DagID          string
	RunID          string
	TaskID         string
	State          TIState
	TryNumber      int // the current (last dispatched) try; 0 before the first
	MaxTries       int // retries + 1
	Operator       string
	Queue          string
	Pool           string
	PoolSlots      int
	PriorityWeight int
	TriggerRule    string
	Hostname       string
	QueuedAt       time.Time
	StartDate      time.Time
	EndDate        time.Time
	Duration       time.Duration
	NextTryAt      time.Time // set while up_for_retry
	Upstream       []string
	Downstream     []string
	// Args is the unrendered operator arguments (a JSON object).
	Args json.RawMessage
	// Params are the task's own params (a JSON object; nil for none).
	Params json.RawMessage
	// ExecutionTimeout is 0 for none.
	ExecutionTimeout time.Duration
	// Retry policy (Airflow's).
	RetryDelay              time.Duration
	RetryExponentialBackoff bool
	MaxRetryDelay           time.Duration
	// Tries holds one record per finished try, oldest first.
	Tries []Try
}

// Try is the record of one finished try of a task instance.
type Try struct {
	Try       int       `json:"try"`
	State     TIState   `json:"state"`
	StartDate time.Time `json:"start_date"`
	EndDate   time.Time `json:"end_date"`
	// Duration is in seconds (Airflow's unit).
	Duration float64 `json:"duration"`
	Hostname string  `json:"hostname"`
	Error    string  `json:"error,omitempty"`
	// LogKey is the data lake key of the try's captured log ("" if none).
	LogKey string `json:"log_key,omitempty"`
}

// appendJSON appends the try record as JSON that encoding/json (what every
// reader uses) decodes to t, without its reflection: one record is written
// per try. A duration that is not a finite number is written as 0.
func (t Try) appendJSON(b []byte) []byte {
	b = strconv.AppendInt(append(b, `{"try":`...), int64(t.Try), 10)
	b = jsonenc.String(append(b, `,"state":`...), string(t.State))
	b = jsonenc.Time(append(b, `,"start_date":`...), t.StartDate)
	b = jsonenc.Time(append(b, `,"end_date":`...), t.EndDate)
	b = append(b, `,"duration":`...)
	if math.IsNaN(t.Duration) || math.IsInf(t.Duration, 0) {
		b = append(b, '0')
	} else {
		b = strconv.AppendFloat(b, t.Duration, 'g', -1, 64)
	}
	b = jsonenc.String(append(b, `,"hostname":`...), t.Hostname)
	if t.Error != "" {
		b = jsonenc.String(append(b, `,"error":`...), t.Error)
	}
	if t.LogKey != "" {
		b = jsonenc.String(append(b, `,"log_key":`...), t.LogKey)
	}
	return append(b, '}')
}

// Dispatch is a task instance try that must be handed to the queue.
type Dispatch struct {
	DagID  string
	RunID  string
	TaskID string
	Try    int
	Queue  string
	// ExecutionTimeout is the task's execution_timeout (0 for none).
	ExecutionTimeout time.Duration
	// Pool and PoolSlots are the task's pool ("" for none) and its slots.
	Pool      string
	PoolSlots int
	// RetryAt is set for a retry timer: the try Try failed and its
	// successor may be dispatched at RetryAt (see Store.RetryDue).
	RetryAt time.Time
	// Static is the task instance's Static JSON (nil when it has none: a
	// retry timer, a cleared task, templated or large arguments, a run
	// created by an older version) and RunStart its run's start: with both
	// a worker starts the try without reading Redis (see StartInfoFrom).
	Static   json.RawMessage
	RunStart time.Time
	// Inc is the run's Incarnation.
	Inc string
	// TraceParent is the run's NewRun.TraceParent ("" for none).
	TraceParent string
}

// Outcome is how a try ended.
type Outcome string

// Try outcomes reported by the worker.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailed  Outcome = "failed"
	// OutcomeFailedPermanent fails the task instance without retries
	// (invalid arguments, asynq.SkipRetry).
	OutcomeFailedPermanent Outcome = "failed_permanent"
	// OutcomeSkipped marks the task skipped (an operator that decides to
	// skip itself, Airflow's AirflowSkipException).
	OutcomeSkipped Outcome = "skipped"
)

// Completion reports the end of one try.
type Completion struct {
	DagID  string
	RunID  string
	TaskID string
	Try    int
	// Outcome of the try.
	Outcome Outcome
	// RetryDelay is the delay before the next try if this one failed and
	// retries remain (the caller computes it from the task's policy).
	RetryDelay time.Duration
	// XCom is the return value (JSON) on success; nil for none.
	XCom json.RawMessage
	// Record is the try's record (start, end, hostname, error, log key).
	Record Try
}

// CompleteResult is what the completion step decided.
type CompleteResult struct {
	// State is the task instance's new state.
	State TIState
	// Dispatch lists the tries to enqueue now (newly ready downstream tasks,
	// tasks that got a max_active_tasks slot, roots of runs that got a
	// max_active_runs slot) and, for up_for_retry, the retry timer.
	Dispatch []Dispatch
	// RunState is the run's state after the step.
	RunState RunState
}

// StartInfo is what a worker needs to run a try: the task instance and its
// run. TI holds the task's definition and state but not its try records
// (Tries, EndDate and Duration are empty: read TaskInstance for those).
type StartInfo struct {
	TI  *TaskInstance
	Run *Run
	// Redelivered is true when the try was already running (a worker crashed
	// and asynq handed the task to another one).
	Redelivered bool
}
