package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
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
	return e.reconcile(ctx, newSweep(ctx, insp, e.store.Client()), dagID, runID)
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
	sw := newSweep(ctx, insp, e.store.Client())
	var (
		sum  Repairs
		errs []error
	)
	for _, id := range running {
		r, err := e.reconcile(ctx, sw, dagID, id)
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

func (e *Engine) reconcile(ctx context.Context, sw *sweep, dagID, runID string) (Repairs, error) {
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
		verdicts[i], err = e.inspect(sw, &us[i], now)
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
//
// An active asynq task that no live asynq server holds (its worker died:
// the server's heartbeat key expired) fails its try as lost once
// LostWorkerGrace has passed since a sweep first saw it so, long before
// asynq's own recovery would redeliver it.
func (e *Engine) inspect(sw *sweep, u *runstore.Unfinished, now time.Time) (verdict, error) {
	insp := sw.insp
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
	case info.State == asynq.TaskStateActive && e.cfg.LostWorkerGrace > 0:
		held, err := sw.isHeld(id)
		if err != nil {
			return verdict{}, err
		}
		if held {
			e.unheld.forget(id)
			return verdict{}, nil
		}
		if first := e.unheld.see(id, now); now.Sub(first) >= e.cfg.LostWorkerGrace {
			e.unheld.forget(id)
			return verdict{lostTry, fmt.Sprintf("no live asynq server has held its active task %s since %s (the worker died)",
				id, first.UTC().Format(time.RFC3339))}, nil
		}
	}
	return verdict{}, nil
}

// sweep is one reconcile pass's view of asynq: the inspector and, loaded
// on first use, the task ids the live asynq servers hold.
type sweep struct {
	insp *asynq.Inspector
	held func() (map[string]bool, error)
}

// asynqWorkersKey is asynq's index of its servers' worker hashes
// ("asynq:workers:{host:pid:server}", one field per task id the server
// runs, rewritten at every heartbeat with a 10s TTL).
const asynqWorkersKey = "asynq:workers"

func newSweep(ctx context.Context, insp *asynq.Inspector, rdb redis.UniversalClient) *sweep {
	return &sweep{insp: insp, held: sync.OnceValues(func() (map[string]bool, error) {
		// The worker hashes' Redis TTLs, not the index's scores (the
		// workers' clocks), say which servers are alive: a worker whose
		// clock is behind the coordinator's is not taken for dead.
		keys, err := rdb.ZRange(ctx, asynqWorkersKey, 0, -1).Result()
		if err != nil {
			return nil, fmt.Errorf("list asynq workers: %w", err)
		}
		pipe := rdb.Pipeline()
		cmds := make([]*redis.StringSliceCmd, len(keys))
		for i, k := range keys {
			cmds[i] = pipe.HKeys(ctx, k)
		}
		if len(keys) > 0 {
			if _, err := pipe.Exec(ctx); err != nil {
				return nil, fmt.Errorf("read asynq workers: %w", err)
			}
		}
		held := map[string]bool{}
		for _, c := range cmds {
			for _, id := range c.Val() {
				held[id] = true
			}
		}
		return held, nil
	})}
}

// isHeld reports whether a live asynq server holds the task id.
func (s *sweep) isHeld(id string) (bool, error) {
	held, err := s.held()
	return held[id], err
}

// unheldTasks remembers when a sweep first saw each active asynq task that
// no live server held. Entries not seen again within unheldForget are
// dropped, so the map stays small.
type unheldTasks struct {
	mu    sync.Mutex
	first map[string]time.Time
}

const unheldForget = 10 * time.Minute

// see returns when id was first seen unheld, recording now if it is new.
func (u *unheldTasks) see(id string, now time.Time) time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.first == nil {
		u.first = map[string]time.Time{}
	}
	for k, t := range u.first {
		if now.Sub(t) > unheldForget {
			delete(u.first, k)
		}
	}
	t, ok := u.first[id]
	if !ok {
		u.first[id] = now
		t = now
	}
	return t
}

func (u *unheldTasks) forget(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.first, id)
}

// failLost fails the current try of u as lost through the normal
// completion path. A queued try is first started (fenced by its try
// number). It returns false when the try moved on meanwhile (fenced).
func (e *Engine) failLost(ctx context.Context, u *runstore.Unfinished, reason string) (bool, error) {
	host := u.Hostname
	if u.State == runstore.TIQueued || host == "" {
		host = ReconcileHost
	}
	p := Payload{DagID: u.DagID, RunID: u.RunID, TaskID: u.TaskID, Try: u.Try}
	ok, err := e.FailLost(ctx, p, host, u.StartDate, reason)
	if ok {
		e.log.WarnContext(ctx, "reconcile failed a lost try", "dag_id", u.DagID, "run_id", u.RunID,
			"task_id", u.TaskID, "try", u.Try, "reason", reason)
	}
	return ok, err
}

// FailLost fails try p through the normal completion path with an error
// wrapping ErrWorkerLost (so retries and trigger rules apply): the worker
// that ran it died. start is when the lost try began (zero: now). A queued
// try is started first, fenced by its try number; false means the try is
// no longer current and nothing was recorded.
func (e *Engine) FailLost(ctx context.Context, p Payload, hostname string, start time.Time, reason string) (bool, error) {
	info, err := e.store.StartTry(ctx, p.DagID, p.RunID, p.TaskID, p.Try, hostname)
	if errors.Is(err, runstore.ErrFenced) || errors.Is(err, runstore.ErrTaskNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if start.IsZero() {
		start = e.now()
	}
	res, err := e.Record(ctx, info, TryResult{Err: fmt.Errorf("%w: %s", ErrWorkerLost, reason), Start: start, Hostname: hostname})
	if errors.Is(err, runstore.ErrFenced) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, e.Advance(ctx, info, res)
}
