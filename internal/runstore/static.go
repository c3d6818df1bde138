package runstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// MaxStaticArgs is the largest argument JSON a task instance's Static may
// carry: larger arguments stay only in the task instance, and its tries
// start by reading it (StartTry), so asynq's messages stay small.
const MaxStaticArgs = 8 << 10

// Static is what a worker needs to run a try without reading the run store
// first: the task's fixed fields and its run's, written once, as the task
// instance's "static" field, when the run is created. The dispatch steps
// hand it out with each try, the engine puts it in the try's payload, and
// the worker starts the try from it: one Redis round trip less per try.
//
// A task whose arguments are templated or over MaxStaticArgs has none (its
// arguments are rendered when the try starts), nor does a cleared task
// instance (clearing changes max_tries).
type Static struct {
	Operator        string          `json:"op"`
	Args            json.RawMessage `json:"args"`
	MaxTries        int             `json:"mt"`
	ExecTimeoutMS   int64           `json:"et,omitempty"`
	RetryDelayMS    int64           `json:"rd,omitempty"`
	RetryExp        bool            `json:"rx,omitempty"`
	MaxRetryDelayMS int64           `json:"mrd,omitempty"`
	LogicalDateMS   int64           `json:"ld,omitempty"`
	DagrunTimeoutMS int64           `json:"drt,omitempty"`
	// Upstream are the task's upstream task ids (its handler reads their
	// outputs).
	Upstream []string `json:"up,omitempty"`
}

// staticOf returns the Static JSON of task t of a run with the given
// logical date and dagrun_timeout, or "" when the task has none.
func staticOf(t *SnapshotTask, args []byte, logical time.Time, dagrunTimeout time.Duration) (string, error) {
	if len(args) > MaxStaticArgs || bytes.Contains(args, []byte("{{")) {
		return "", nil
	}
	st := Static{
		Operator: t.Operator, Args: args, MaxTries: t.Retries + 1,
		ExecTimeoutMS: t.ExecutionTimeout.Milliseconds(), RetryDelayMS: t.RetryDelay.Milliseconds(),
		RetryExp: t.RetryExponentialBackoff, MaxRetryDelayMS: t.MaxRetryDelay.Milliseconds(),
		DagrunTimeoutMS: dagrunTimeout.Milliseconds(), Upstream: t.Upstream,
	}
	if !logical.IsZero() {
		st.LogicalDateMS = logical.UnixMilli()
	}
	b, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("task %q: %w", t.TaskID, err)
	}
	return string(b), nil
}

// StartInfoFrom builds the StartInfo of a try from its Static JSON and its
// run's start, as StartTry would return it for a queued try, without reading
// Redis. The task instance stays queued in the store until the try
// completes or is marked running (StartTryAt).
func StartInfoFrom(dagID, runID, taskID string, try int, static []byte, runStart time.Time) (*StartInfo, error) {
	var st Static
	if err := json.Unmarshal(static, &st); err != nil {
		return nil, fmt.Errorf("%w: static fields of %s/%s/%s: %w", ErrInvalid, dagID, runID, taskID, err)
	}
	if st.Operator == "" || try < 1 {
		return nil, fmt.Errorf("%w: static fields of %s/%s/%s: no operator or try", ErrInvalid, dagID, runID, taskID)
	}
	args := st.Args
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	ti := &TaskInstance{
		DagID: dagID, RunID: runID, TaskID: taskID, State: TIQueued, TryNumber: try, MaxTries: st.MaxTries,
		Operator: st.Operator, Args: args,
		ExecutionTimeout:        time.Duration(st.ExecTimeoutMS) * time.Millisecond,
		RetryDelay:              time.Duration(st.RetryDelayMS) * time.Millisecond,
		RetryExponentialBackoff: st.RetryExp,
		MaxRetryDelay:           time.Duration(st.MaxRetryDelayMS) * time.Millisecond,
		Upstream:                st.Upstream,
	}
	run := &Run{DagID: dagID, RunID: runID, State: RunRunning, StartDate: runStart,
		DagrunTimeout: time.Duration(st.DagrunTimeoutMS) * time.Millisecond}
	if st.LogicalDateMS != 0 {
		run.LogicalDate = time.UnixMilli(st.LogicalDateMS).UTC()
	}
	return &StartInfo{TI: ti, Run: run}, nil
}
