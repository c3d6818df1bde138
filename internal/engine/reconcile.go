package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/hibiken/asynq"
)

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
// (redeliveries used up) or is gone for longer than Config.LostTaskGrace is
// failed as lost through the completion step (retries and trigger rules
// apply). Running tries and retry timers are all checked, queued tries up to
// Config.SweepChecks per run, oldest first.
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
	us, err := e.store.UnfinishedTasks(ctx, dagID, runID)
	if err != nil {
		return rep, err
	}
	us = e.sweepChecks(us)
	verdicts := make([]verdict, len(us))
	errs := []error{e.forEach(len(us), func(i int) error {
		var err error
		verdicts[i], err = e.inspect(insp, &us[i], now)
		return err
	})}
	var missing []runstore.Dispatch
	for i, v := range verdicts {
		u := &us[i]
		switch v.kind {
		case enqueueAgain:
			missing = append(missing, u.Dispatch)
		case fireRetry:
			p := Payload{DagID: u.DagID, RunID: u.RunID, TaskID: u.TaskID, Try: u.Try, Inc: u.Inc}
			if err := e.HandleRetry(ctx, p); err != nil {
				errs = append(errs, err)
			} else {
				rep.Enqueued++
			}
		case lostTry:
			ok, err := e.failLost(ctx, u, v.reason)
			if err != nil {
				errs = append(errs, err)
			} else if ok {
				rep.LostTries++
			}
		}
	}
	if err := e.Enqueue(ctx, missing); err != nil {
		errs = append(errs, err)
	}
	rep.Enqueued += len(missing)
	return rep, errors.Join(errs...)
}

// sweepChecks keeps every running try and retry timer of us and its oldest
// Config.SweepChecks queued tries.
func (e *Engine) sweepChecks(us []runstore.Unfinished) []runstore.Unfinished {
	var out, queued []runstore.Unfinished
	for _, u := range us {
		if u.State == runstore.TIQueued {
			queued = append(queued, u)
		} else {
			out = append(out, u)
		}
	}
	if len(queued) > e.cfg.SweepChecks {
		sort.SliceStable(queued, func(a, b int) bool { return queued[a].QueuedAt.Before(queued[b].QueuedAt) })
		queued = queued[:e.cfg.SweepChecks]
	}
	return append(out, queued...)
}

// verdict is what a reconcile does with one unfinished task instance.
type verdict struct {
	kind   verdictKind
	reason string // why a try is lost
}

type verdictKind int

const (
	leaveAlone   verdictKind = iota
	enqueueAgain             // asynq lacks the queued try or retry timer
	fireRetry                // the retry timer was archived and is due
	lostTry                  // fail the current try as lost
)

// inspect looks u's asynq task up. A running try is lost when asynq
// archived its task (redeliveries used up), or when for longer than
// LostTaskGrace asynq has no task for it or already completed it. A queued
// try asynq lacks is enqueued again; one whose task was archived is lost,
// as is one whose task asynq completed (dropped as stale) over
// LostTaskGrace after it was queued. A retry timer asynq lacks is enqueued
// again; an archived one fires now if due.
func (e *Engine) inspect(insp *asynq.Inspector, u *runstore.Unfinished, now time.Time) (verdict, error) {
	p := Payload{DagID: u.DagID, RunID: u.RunID, TaskID: u.TaskID, Try: u.Try, Inc: u.Inc}
	id := TaskID(p)
	if u.State == runstore.TIUpForRetry {
		id = RetryTaskID(p)
	}
	info, err := insp.GetTaskInfo(u.Queue, id)
	gone := errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound)
	if err != nil && !gone {
		return verdict{}, fmt.Errorf("inspect %s: %w", id, err)
	}
	since := u.QueuedAt
	if u.State == runstore.TIRunning && !u.StartDate.IsZero() {
		since = u.StartDate
	}
	old := !since.IsZero() && now.Sub(since) > e.cfg.LostTaskGrace
	switch {
	case u.State == runstore.TIUpForRetry && gone:
		return verdict{kind: enqueueAgain}, nil
	case u.State == runstore.TIUpForRetry:
		if info.State == asynq.TaskStateArchived && !now.Before(u.RetryAt) {
			return verdict{kind: fireRetry}, nil
		}
	case gone && u.State == runstore.TIQueued:
		return verdict{kind: enqueueAgain}, nil
	case gone:
		if old {
			return verdict{lostTry, "its asynq task " + id + " is gone"}, nil
		}
	case info.State == asynq.TaskStateArchived:
		return verdict{lostTry, fmt.Sprintf("asynq archived task %s after %d redeliveries (last error: %s)",
			id, info.Retried, info.LastErr)}, nil
	case info.State == asynq.TaskStateCompleted && old:
		return verdict{lostTry, "its asynq task " + id + " completed without recording the try"}, nil
	}
	return verdict{}, nil
}

// failLost fails the current try of u as lost through the normal
// completion path. A queued try is first started (fenced by its try
// number). It returns false when the try moved on meanwhile (fenced).
func (e *Engine) failLost(ctx context.Context, u *runstore.Unfinished, reason string) (bool, error) {
	host, start := u.Hostname, u.StartDate
	if u.State == runstore.TIQueued || host == "" {
		host = ReconcileHost
	}
	info, err := e.store.StartTry(ctx, u.DagID, u.RunID, u.TaskID, u.Try, host)
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
	e.log.WarnContext(ctx, "reconcile failed a lost try", "dag_id", u.DagID, "run_id", u.RunID,
		"task_id", u.TaskID, "try", u.Try, "reason", reason, "state", string(res.State))
	return true, e.Advance(ctx, info, res)
}
