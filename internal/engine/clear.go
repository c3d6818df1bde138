package engine

import (
	"context"

	"github.com/dagworker/dagworker/internal/runstore"
)

// ClearRun clears a finished run (runstore.Store.ClearRun: all task
// instances, or only the failed and upstream_failed ones, and their
// downstream) and enqueues the tries that became ready. It returns the
// number of cleared task instances.
func (e *Engine) ClearRun(ctx context.Context, dagID, runID string, onlyFailed bool) (int, error) {
	n, ds, err := e.store.ClearRun(ctx, dagID, runID, onlyFailed)
	if err != nil {
		return 0, err
	}
	return n, e.Enqueue(ctx, ds)
}

// ClearTask clears one task instance of a finished run and its downstream
// (runstore.Store.ClearTask) and enqueues the tries that became ready.
func (e *Engine) ClearTask(ctx context.Context, dagID, runID, taskID string) (int, error) {
	n, ds, err := e.store.ClearTask(ctx, dagID, runID, taskID)
	if err != nil {
		return 0, err
	}
	return n, e.Enqueue(ctx, ds)
}

// DeleteRun removes a run and its task instances, and enqueues the roots of
// queued runs that could start in its max_active_runs slot.
func (e *Engine) DeleteRun(ctx context.Context, dagID, runID string) error {
	ds, err := e.store.DeleteRun(ctx, dagID, runID)
	if err != nil {
		return err
	}
	return e.Enqueue(ctx, ds)
}

// ClearTasks clears exactly the listed task instances of a finished run
// (runstore.Store.ClearTasks) and enqueues the tries that became ready.
func (e *Engine) ClearTasks(ctx context.Context, dagID, runID string, taskIDs []string, onlyFailed bool) (int, error) {
	n, ds, err := e.store.ClearTasks(ctx, dagID, runID, taskIDs, onlyFailed)
	if err != nil {
		return 0, err
	}
	return n, e.Enqueue(ctx, ds)
}

// SetTaskStates sets the listed task instances of a run to state
// (runstore.Store.SetTaskStates) and enqueues the tries that became ready.
func (e *Engine) SetTaskStates(ctx context.Context, dagID, runID string, taskIDs []string, state runstore.TIState) error {
	ds, err := e.store.SetTaskStates(ctx, dagID, runID, taskIDs, state)
	if err != nil {
		return err
	}
	return e.Enqueue(ctx, ds)
}

// HoldRuns holds or releases queued runs (runstore.Store.HoldRuns) and
// enqueues the roots of released runs that start.
func (e *Engine) HoldRuns(ctx context.Context, dagID string, runIDs []string, hold bool) error {
	ds, err := e.store.HoldRuns(ctx, dagID, runIDs, hold)
	if err != nil {
		return err
	}
	return e.Enqueue(ctx, ds)
}
