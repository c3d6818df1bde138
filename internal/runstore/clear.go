package runstore

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
)

var (
	//go:embed lua/clear.lua
	luaClear string
	//go:embed lua/delete.lua
	luaDelete string
	//go:embed lua/note.lua
	luaNote string
	//go:embed lua/settask.lua
	luaSetTask string
	//go:embed lua/hold.lua
	luaHold string
)

// ClearRun is Airflow's clear of a finished run: the selected task
// instances (all of them, or only the failed and upstream_failed ones when
// onlyFailed) and everything downstream of them go back to null with their
// XComs removed; their tries are kept, the next try number follows the last
// and max_tries grows by the task's retries. The run goes back to running at
// once (a cleared run is not held back by max_active_runs) and the cleared
// tasks whose upstream tasks were kept are evaluated now. It returns the
// number of cleared task instances and the tries to enqueue. A run that is
// not finished yet is ErrInvalid; an unknown run ErrRunNotFound.
func (s *Store) ClearRun(ctx context.Context, dagID, runID string, onlyFailed bool) (int, []Dispatch, error) {
	flag := "0"
	if onlyFailed {
		flag = "1"
	}
	return s.clear(ctx, dagID, runID, flag, "", "")
}

// ClearTask is ClearRun of one task instance and everything downstream of
// it (Airflow's clear of a task with "downstream"). An unknown task is
// ErrTaskNotFound.
func (s *Store) ClearTask(ctx context.Context, dagID, runID, taskID string) (int, []Dispatch, error) {
	if _, err := s.TaskInstance(ctx, dagID, runID, taskID); err != nil {
		return 0, nil, err
	}
	return s.clear(ctx, dagID, runID, "0", taskID, "")
}

// ClearTasks is ClearRun of the listed task instances only (the caller
// chose the downstream and upstream tasks to include; none is added), as
// Airflow's clearTaskInstances does; with onlyFailed only the failed and
// upstream_failed ones of them. An empty list clears nothing.
func (s *Store) ClearTasks(ctx context.Context, dagID, runID string, taskIDs []string, onlyFailed bool) (int, []Dispatch, error) {
	if len(taskIDs) == 0 {
		if _, err := s.GetRun(ctx, dagID, runID); err != nil {
			return 0, nil, err
		}
		return 0, nil, nil
	}
	flag := "0"
	if onlyFailed {
		flag = "1"
	}
	return s.clear(ctx, dagID, runID, flag, strings.Join(taskIDs, ","), "exact")
}

// SetTaskStates is Airflow's PATCH of task instance states (lua/settask.lua):
// each listed task instance not in state takes it; an unfinished one of a
// running run ends as if its try had (the try is fenced off) and its
// downstream tasks are evaluated. Only success, failed and skipped can be
// set; a queued run's task instances are ErrInvalid. It returns the tries
// to enqueue.
func (s *Store) SetTaskStates(ctx context.Context, dagID, runID string, taskIDs []string, state TIState) ([]Dispatch, error) {
	if state != TISuccess && state != TIFailed && state != TISkipped {
		return nil, fmt.Errorf("%w: set task state %q", ErrInvalid, state)
	}
	res, err := s.run(ctx, scriptSetTask, dagID, runID, string(state), ms(s.now()), strings.Join(taskIDs, ","))
	if err != nil {
		return nil, fmt.Errorf("set task states of %s/%s: %w", dagID, runID, err)
	}
	switch str(res[0]) {
	case "missing":
		return nil, fmt.Errorf("set task states of %s/%s: %w", dagID, runID, ErrRunNotFound)
	case "queued":
		return nil, fmt.Errorf("%w: run %s/%s is queued; its task instances have no state to set yet", ErrInvalid, dagID, runID)
	}
	return dispatches(dagID, res, 2), nil
}

func (s *Store) clear(ctx context.Context, dagID, runID, flag, taskID, mode string) (int, []Dispatch, error) {
	res, err := s.run(ctx, scriptClear, dagID, runID, flag, ms(s.now()), taskID, mode)
	if err != nil {
		return 0, nil, fmt.Errorf("clear run %s/%s: %w", dagID, runID, err)
	}
	switch str(res[0]) {
	case "missing":
		return 0, nil, fmt.Errorf("clear run %s/%s: %w", dagID, runID, ErrRunNotFound)
	case "unfinished":
		return 0, nil, fmt.Errorf("%w: clear run %s/%s: the run is %s; only a finished run can be cleared", ErrInvalid, dagID, runID, str(res[1]))
	}
	return atoi(str(res[1])), dispatches(dagID, res, 2), nil
}

// DeleteRun removes a run with its task instances and XComs (logs in the
// data lake stay). A running try of it is fenced off. When the run held a
// max_active_runs slot, queued runs may start: their roots are returned.
func (s *Store) DeleteRun(ctx context.Context, dagID, runID string) ([]Dispatch, error) {
	res, err := s.run(ctx, scriptDelete, dagID, runID, ms(s.now()))
	if err != nil {
		return nil, fmt.Errorf("delete run %s/%s: %w", dagID, runID, err)
	}
	if str(res[0]) == "missing" {
		return nil, fmt.Errorf("delete run %s/%s: %w", dagID, runID, ErrRunNotFound)
	}
	return dispatches(dagID, res, 2), nil
}

// SetNote sets the note of a run (Airflow's DAG run note; "" removes it).
func (s *Store) SetNote(ctx context.Context, dagID, runID, note string) error {
	res, err := s.run(ctx, scriptNote, dagID, runID, note)
	if err != nil {
		return fmt.Errorf("set note of %s/%s: %w", dagID, runID, err)
	}
	if str(res[0]) == "missing" {
		return fmt.Errorf("set note of %s/%s: %w", dagID, runID, ErrRunNotFound)
	}
	return nil
}

// SetRunState is Airflow's PATCH of a run's state: RunSuccess marks every
// task instance success, RunFailed marks running ones failed and the other
// unfinished ones skipped (their tries are fenced off), and the run takes
// the state (a finished run keeps its end date). RunQueued puts a finished
// run back to queued: it starts again under max_active_runs with its task
// instances as they are, and ends again by their states unless some were
// cleared; a queued run gets a new queued_at. Setting a running run to
// queued is ErrInvalid. It returns the tries to enqueue (roots of runs that
// could start) and ErrRunNotFound for an unknown run.
func (s *Store) SetRunState(ctx context.Context, dagID, runID string, state RunState, reason string) ([]Dispatch, error) {
	if state != RunQueued && !state.Finished() {
		return nil, fmt.Errorf("%w: set run state %q", ErrInvalid, state)
	}
	res, err := s.run(ctx, scriptSetState, dagID, runID, string(state), reason, ms(s.now()))
	if err != nil {
		return nil, fmt.Errorf("set run state %s/%s: %w", dagID, runID, err)
	}
	switch str(res[0]) {
	case "missing":
		return nil, fmt.Errorf("set run state %s/%s: %w", dagID, runID, ErrRunNotFound)
	case "running":
		return nil, fmt.Errorf("%w: run %s/%s is running; only a queued or finished run can be set to queued", ErrInvalid, dagID, runID)
	}
	return dispatches(dagID, res, 2), nil
}

// HoldRuns takes the listed queued runs out of their DAG's queue (hold) or
// puts them back (release), as a paused or unpaused backfill does: a held
// run does not start until it is released. It returns the tries to enqueue
// (roots of released runs that could start).
func (s *Store) HoldRuns(ctx context.Context, dagID string, runIDs []string, hold bool) ([]Dispatch, error) {
	if len(runIDs) == 0 {
		return nil, nil
	}
	mode := "release"
	if hold {
		mode = "hold"
	}
	res, err := s.run(ctx, scriptHold, dagID, mode, ms(s.now()), strings.Join(runIDs, ","))
	if err != nil {
		return nil, fmt.Errorf("%s runs of %s: %w", mode, dagID, err)
	}
	return dispatches(dagID, res, 2), nil
}
