package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/hibiken/asynq"
)

// LostTaskGrace is how long a task instance may be running or queued while
// asynq has no task for its try (not found, or already completed) before
// Reconcile declares the try lost. It covers the moment between a step that
// queues a try and its enqueue, and a worker between its completion step and
// asynq's acknowledgement. An archived asynq task is lost at once.
const LostTaskGrace = time.Minute

// ReconcileHost is the hostname recorded on a try that Reconcile failed
// because its worker was lost before the try was started.
const ReconcileHost = "reconcile"

// Repairs counts what a reconcile sweep repaired.
type Repairs struct {
	// Enqueued counts queued tries and due retry timers that asynq no longer
	// had and that were handed to it again.
	Enqueued int
	// LostTries counts tries whose asynq task was archived (its
	// redeliveries were used up) or gone: each was failed through the
	// completion step, so retries and trigger rules apply.
	LostTries int
	// FinishedRuns counts runs the sweep ended (dagrun_timeout exceeded).
	FinishedRuns int
}

// Add returns the sum of r and o.
func (r Repairs) Add(o Repairs) Repairs {
	return Repairs{Enqueued: r.Enqueued + o.Enqueued, LostTries: r.LostTries + o.LostTries,
		FinishedRuns: r.FinishedRuns + o.FinishedRuns}
}

// Total is the number of repairs of every kind.
func (r Repairs) Total() int { return r.Enqueued + r.LostTries + r.FinishedRuns }

// Reconcile repairs one run after a crash: a dagrun_timeout that passed
// fails the run; a queued try or retry timer that asynq does not have is
// enqueued again; a running or queued try whose asynq task was archived
// (redeliveries used up) or is gone for longer than LostTaskGrace is failed
// as lost through the completion step (retries and trigger rules apply).
// Tries asynq still holds (pending, active, scheduled, retry) are left
// alone, so no try ever runs twice. Safe at any time, on any replica.
//
// It reads asynq's state through an Inspector on the run store's Redis
// client: asynq and the run store must share one Redis.
func (e *Engine) Reconcile(ctx context.Context, dagID, runID string) (Repairs, error) {
	insp := asynq.NewInspectorFromRedisClient(e.store.Client())
	defer func() { _ = insp.Close() }() // a shared client is not closed
	return e.reconcile(ctx, insp, dagID, runID)
}

// ReconcileDAG reconciles every running run of the DAG (a queued run has
// nothing in asynq yet). The repairs of all runs are summed; errors are
// joined and do not stop the other runs.
func (e *Engine) ReconcileDAG(ctx context.Context, dagID string) (Repairs, error) {
	running, _, err := e.store.ActiveRuns(ctx, dagID)
	if err != nil {
		return Repairs{}, err
	}
	insp := asynq.NewInspectorFromRedisClient(e.store.Client())
	defer func() { _ = insp.Close() }()
	var (
		sum  Repairs
		errs []error
	)
	for _, id := range running {
		r, err := e.reconcile(ctx, insp, dagID, id)
		sum = sum.Add(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("reconcile %s/%s: %w", dagID, id, err))
		}
	}
	return sum, errors.Join(errs...)
}

// DAGIDs returns the ids of the DAGs that have runs in the store, including
// DAGs whose file was removed (their runs keep their own snapshot), so a
// sweep can cover them.
func (e *Engine) DAGIDs(ctx context.Context) ([]string, error) {
	return e.store.DAGIDs(ctx)
}

func (e *Engine) reconcile(ctx context.Context, insp *asynq.Inspector, dagID, runID string) (Repairs, error) {
	var rep Repairs
	run, err := e.store.GetRun(ctx, dagID, runID)
	if err != nil {
		return rep, err
	}
	if run.State != runstore.RunRunning {
		return rep, nil
	}
	now := e.now()
	if run.DagrunTimeout > 0 && !run.StartDate.IsZero() && now.Sub(run.StartDate) > run.DagrunTimeout {
		if err := e.FinishRun(ctx, dagID, runID, runstore.RunFailed, "dagrun_timeout exceeded"); err != nil {
			return rep, err
		}
		rep.FinishedRuns++
		return rep, nil
	}
	tis, err := e.store.TaskInstances(ctx, dagID, runID)
	if err != nil {
		return rep, err
	}
	var errs []error
	for _, ti := range tis {
		switch ti.State {
		case runstore.TIQueued, runstore.TIRunning:
		default:
			continue
		}
		lost, reason, err := e.tryLost(insp, ti, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !lost {
			continue
		}
		ok, err := e.failLost(ctx, ti, reason)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			rep.LostTries++
		}
	}
	n, err := e.enqueueMissing(ctx, insp, dagID, runID, now)
	rep.Enqueued += n
	if err != nil {
		errs = append(errs, err)
	}
	return rep, errors.Join(errs...)
}

// tryLost reports whether the current try of a queued or running task
// instance is lost: its asynq task was archived, or for longer than
// LostTaskGrace asynq has no task for it or a running try's task is already
// completed. A queued try that asynq does not have is not lost: it is
// enqueued again (enqueueMissing).
func (e *Engine) tryLost(insp *asynq.Inspector, ti *runstore.TaskInstance, now time.Time) (bool, string, error) {
	id := TaskID(Payload{DagID: ti.DagID, RunID: ti.RunID, TaskID: ti.TaskID, Try: ti.TryNumber})
	info, err := insp.GetTaskInfo(ti.Queue, id)
	since := ti.QueuedAt
	if ti.State == runstore.TIRunning && !ti.StartDate.IsZero() {
		since = ti.StartDate
	}
	old := !since.IsZero() && now.Sub(since) > LostTaskGrace
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		if ti.State == runstore.TIRunning && old {
			return true, "its asynq task " + id + " is gone", nil
		}
		return false, "", nil
	case err != nil:
		return false, "", fmt.Errorf("inspect %s: %w", id, err)
	}
	switch info.State {
	case asynq.TaskStateArchived:
		return true, fmt.Sprintf("asynq archived task %s after %d redeliveries (last error: %s)",
			id, info.Retried, info.LastErr), nil
	case asynq.TaskStateCompleted:
		if ti.State == runstore.TIRunning && old {
			return true, "its asynq task " + id + " completed without recording the try", nil
		}
	}
	return false, "", nil
}

// failLost fails the current try of ti as lost through the normal
// completion path. A queued try is first started (fenced by its try
// number). It returns false when the try moved on meanwhile (fenced).
func (e *Engine) failLost(ctx context.Context, ti *runstore.TaskInstance, reason string) (bool, error) {
	host, start := ti.Hostname, ti.StartDate
	if ti.State == runstore.TIQueued || host == "" {
		host = ReconcileHost
	}
	info, err := e.store.StartTry(ctx, ti.DagID, ti.RunID, ti.TaskID, ti.TryNumber, host)
	if errors.Is(err, runstore.ErrFenced) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if start.IsZero() {
		start = e.now()
	}
	res, err := e.Record(ctx, info, TryResult{Err: fmt.Errorf("%w: %s", ErrWorkerLost, reason), Start: start, Hostname: host})
	if errors.Is(err, runstore.ErrFenced) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	e.log.WarnContext(ctx, "reconcile failed a lost try", "dag_id", ti.DagID, "run_id", ti.RunID,
		"task_id", ti.TaskID, "try", ti.TryNumber, "reason", reason, "state", string(res.State))
	return true, e.Advance(ctx, info, res)
}

// enqueueMissing enqueues the queued tries and retry timers of a run that
// asynq does not have. A retry timer whose asynq task was archived fires
// now if it is due. It returns how many it handed to asynq.
func (e *Engine) enqueueMissing(ctx context.Context, insp *asynq.Inspector, dagID, runID string, now time.Time) (int, error) {
	ds, err := e.store.Pending(ctx, dagID, runID)
	if err != nil {
		return 0, err
	}
	var (
		missing []runstore.Dispatch
		errs    []error
		fired   int
	)
	for _, d := range ds {
		p := Payload{DagID: d.DagID, RunID: d.RunID, TaskID: d.TaskID, Try: d.Try}
		id := TaskID(p)
		if !d.RetryAt.IsZero() {
			id = RetryTaskID(p)
		}
		info, err := insp.GetTaskInfo(d.Queue, id)
		switch {
		case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
			missing = append(missing, d)
		case err != nil:
			errs = append(errs, fmt.Errorf("inspect %s: %w", id, err))
		case !d.RetryAt.IsZero() && info.State == asynq.TaskStateArchived && !now.Before(d.RetryAt):
			// the timer's own redeliveries were used up: fire it here
			if err := e.HandleRetry(ctx, p); err != nil {
				errs = append(errs, err)
			} else {
				fired++
			}
		}
	}
	if err := e.Enqueue(ctx, missing); err != nil {
		errs = append(errs, err)
	}
	return fired + len(missing), errors.Join(errs...)
}
