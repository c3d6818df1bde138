package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/internal/template"
	"github.com/dagworker/dagworker/tasks"
)

// Start begins try p on hostname. runstore.ErrFenced means the delivery is
// stale or replayed: drop it without running anything.
func (e *Engine) Start(ctx context.Context, p Payload, hostname string) (*runstore.StartInfo, error) {
	return e.store.StartTry(ctx, p.DagID, p.RunID, p.TaskID, p.Try, hostname)
}

// MarkRunning marks try p running late, as begun at startedAt: the worker
// started it from its payload (Payload.StartInfo). runstore.ErrFenced means
// the try is no longer current: stop it and drop its outcome.
func (e *Engine) MarkRunning(ctx context.Context, p Payload, hostname string, startedAt time.Time) (*runstore.StartInfo, error) {
	return e.store.StartTryAt(ctx, p.DagID, p.RunID, p.TaskID, p.Try, hostname, startedAt)
}

// RenderArgs renders the try's arguments with the run's template context
// (ds, params, dag_run.conf, ...) and upstream XComs. A template error is an
// invalid argument (tasks.ErrInvalidArgs): the task fails without retries.
func (e *Engine) RenderArgs(ctx context.Context, info *runstore.StartInfo) (json.RawMessage, error) {
	raw := info.TI.Args
	if !bytes.Contains(raw, []byte("{{")) {
		return raw, nil
	}
	var args map[string]any
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, fmt.Errorf("task %q arguments: %w: %w", info.TI.TaskID, err, tasks.ErrInvalidArgs)
	}
	var params, conf map[string]any
	_ = json.Unmarshal(info.Run.Params, &params)
	_ = json.Unmarshal(info.Run.Conf, &conf)
	params = taskParams(params, info.TI.Params, conf)
	run := info.Run
	vars := template.Vars(template.RunInfo{
		DagID: run.DagID, RunID: run.RunID, LogicalDate: run.LogicalDate,
		DataIntervalStart: run.DataIntervalStart, DataIntervalEnd: run.DataIntervalEnd,
		Params: params, Conf: conf,
	})
	if bytes.Contains(raw, []byte("var.")) {
		// Airflow variables, read once per rendering that names them.
		vals, err := e.store.VariableValues(ctx)
		if err != nil {
			return nil, err
		}
		value, js := make(map[string]any, len(vals)), make(map[string]any, len(vals))
		for k, v := range vals {
			value[k] = v
			var x any
			if json.Unmarshal([]byte(v), &x) == nil {
				js[k] = x
			}
		}
		vars["var"] = map[string]any{"value": value, "json": js}
	}
	tc := &template.Context{
		Vars: vars,
		XCom: func(taskID, key string) (any, error) {
			if key != "" && key != "return_value" {
				return nil, nil
			}
			v, err := e.store.XCom(ctx, run.DagID, run.RunID, taskID)
			if err != nil || v == nil {
				return nil, err
			}
			var out any
			if err := json.Unmarshal(v, &out); err != nil {
				return nil, fmt.Errorf("xcom of %q: %w", taskID, err)
			}
			return out, nil
		},
	}
	out, err := template.Render(args, tc)
	if err != nil {
		return nil, fmt.Errorf("task %q: render arguments: %w: %w", info.TI.TaskID, err, tasks.ErrInvalidArgs)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("task %q: rendered arguments: %w: %w", info.TI.TaskID, err, tasks.ErrInvalidArgs)
	}
	return b, nil
}

// TryResult is how one try ended, as the worker saw it.
type TryResult struct {
	// Value is the handler's return value (the XCom); nil for none.
	Value any
	// Err is the handler's error; nil for success. Errors wrapping
	// asynq.SkipRetry (tasks.ErrInvalidArgs) fail without retries.
	Err error
	// Start is when the handler started.
	Start time.Time
	// Hostname ran the try.
	Hostname string
	// LogKey is the data lake key of the try's log ("" if not stored).
	LogKey string
}

// Finish runs the completion step for a try and enqueues what it made
// ready (Record then Advance). runstore.ErrFenced means the try was no
// longer current (a late completion): nothing changed.
func (e *Engine) Finish(ctx context.Context, info *runstore.StartInfo, r TryResult) (*runstore.CompleteResult, error) {
	res, err := e.Record(ctx, info, r)
	if err != nil {
		return nil, err
	}
	return res, e.Advance(ctx, info, res)
}

// Record runs the completion step for a try (see runstore.Store.Complete);
// the caller must then call Advance with the result. A crash in between is
// repaired by Reconcile.
func (e *Engine) Record(ctx context.Context, info *runstore.StartInfo, r TryResult) (*runstore.CompleteResult, error) {
	ti := info.TI
	c := runstore.Completion{DagID: ti.DagID, RunID: ti.RunID, TaskID: ti.TaskID, Try: ti.TryNumber,
		Outcome: runstore.OutcomeSuccess}
	if r.Err == nil && r.Value != nil {
		b, err := json.Marshal(r.Value)
		switch {
		case err != nil:
			r.Err = fmt.Errorf("return value is not JSON: %w: %w", err, tasks.ErrInvalidArgs)
		case len(b) > runstore.DefaultXComMaxBytes:
			r.Err = fmt.Errorf("return value of %d bytes over the %d byte XCom cap (write bulk data to the data lake): %w",
				len(b), runstore.DefaultXComMaxBytes, tasks.ErrInvalidArgs)
		default:
			c.XCom = b
		}
	}
	if r.Err != nil {
		c.XCom = nil
		c.Outcome = runstore.OutcomeFailed
		switch {
		case errors.Is(r.Err, tasks.ErrSkip):
			c.Outcome = runstore.OutcomeSkipped
		case tasks.IsPermanent(r.Err):
			c.Outcome = runstore.OutcomeFailedPermanent
		}
		c.RetryDelay = RetryDelay(ti, ti.TryNumber)
	}
	now := e.now()
	c.Record = runstore.Try{StartDate: r.Start, EndDate: now, Hostname: r.Hostname, LogKey: r.LogKey}
	if r.Err != nil {
		c.Record.Error = r.Err.Error()
	}
	res, err := e.store.Complete(ctx, c)
	if err == nil {
		// A completion that is not fenced found the run running: a
		// finished state means this step ended it.
		e.runEnded(ctx, ti.DagID, ti.RunID, res.RunState)
	}
	return res, err
}

// Advance enqueues what a completion step made ready. When the run's
// dagrun_timeout has passed it first fails the run (so nothing of it starts
// after the deadline) and enqueues only other runs' tasks.
func (e *Engine) Advance(ctx context.Context, info *runstore.StartInfo, res *runstore.CompleteResult) error {
	run := info.Run
	ds := res.Dispatch
	if res.RunState == runstore.RunRunning && run.DagrunTimeout > 0 && !run.StartDate.IsZero() &&
		e.now().Sub(run.StartDate) > run.DagrunTimeout {
		if err := e.FinishRun(ctx, run.DagID, run.RunID, runstore.RunFailed, "dagrun_timeout exceeded"); err != nil {
			return err
		}
		res.RunState = runstore.RunFailed
		ds = nil
		for _, d := range res.Dispatch {
			if d.RunID != run.RunID {
				ds = append(ds, d)
			}
		}
	}
	return e.Enqueue(ctx, ds)
}

// HandleRetry is the retry timer of try p (which failed): the next try
// becomes ready and is enqueued. A stale timer is ignored.
func (e *Engine) HandleRetry(ctx context.Context, p Payload) error {
	ds, err := e.store.RetryDue(ctx, p.DagID, p.RunID, p.TaskID, p.Try)
	if errors.Is(err, runstore.ErrFenced) {
		return nil
	}
	if err != nil {
		return err
	}
	return e.Enqueue(ctx, ds)
}

// FinishRun ends an unfinished run now with state (success or failed) and
// reason, and enqueues the roots of queued runs that could start.
func (e *Engine) FinishRun(ctx context.Context, dagID, runID string, state runstore.RunState, reason string) error {
	ds, err := e.store.FinishRun(ctx, dagID, runID, state, reason)
	if err != nil {
		return err
	}
	e.runEnded(ctx, dagID, runID, state)
	return e.Enqueue(ctx, ds)
}

// SetRunState sets a run's state as Airflow's PATCH does (see
// runstore.Store.SetRunState) and enqueues the roots of runs that could
// start.
func (e *Engine) SetRunState(ctx context.Context, dagID, runID string, state runstore.RunState, reason string) error {
	ds, err := e.store.SetRunState(ctx, dagID, runID, state, reason)
	if err != nil {
		return err
	}
	e.runEnded(ctx, dagID, runID, state)
	return e.Enqueue(ctx, ds)
}

// taskParams merges a task's own params (a JSON object, or nil) over the
// run's params (the DAG's with the trigger conf over them), under the conf:
// Airflow's order DAG params < task params < dag_run.conf.
func taskParams(run map[string]any, own json.RawMessage, conf map[string]any) map[string]any {
	if len(own) == 0 {
		return run
	}
	var tp map[string]any
	if json.Unmarshal(own, &tp) != nil || len(tp) == 0 {
		return run
	}
	out := make(map[string]any, len(run)+len(tp))
	for k, v := range run {
		out[k] = v
	}
	for k, v := range tp {
		if _, set := conf[k]; !set {
			out[k] = v
		}
	}
	return out
}
