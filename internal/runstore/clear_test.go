package runstore

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// diamond is a → b → c with a second leaf a → side; no retries.
func diamond() *Snapshot {
	return &Snapshot{DagID: "cl", Version: "v1", Tasks: []SnapshotTask{
		{TaskID: "a", Operator: "noop", TriggerRule: "all_success", Downstream: []string{"b", "side"}},
		{TaskID: "b", Operator: "noop", TriggerRule: "all_success", Upstream: []string{"a"}, Downstream: []string{"c"}},
		{TaskID: "side", Operator: "noop", TriggerRule: "all_success", Upstream: []string{"a"}},
		{TaskID: "c", Operator: "noop", TriggerRule: "all_success", Upstream: []string{"b"}},
	}}
}

// step starts the current try of task and completes it with o.
func (b *bundle) step(t *testing.T, run, task string, o Outcome) *CompleteResult {
	t.Helper()
	ctx := context.Background()
	ti, err := b.store.TaskInstance(ctx, "cl", run, task)
	require.NoError(t, err)
	_, err = b.store.StartTry(ctx, "cl", run, task, ti.TryNumber, "h")
	require.NoError(t, err, task)
	res, err := b.store.Complete(ctx, Completion{DagID: "cl", RunID: run, TaskID: task, Try: ti.TryNumber,
		Outcome: o, XCom: json.RawMessage(`"` + task + `"`)})
	require.NoError(t, err)
	return res
}

func taskIDs(ds []Dispatch) map[string]int {
	out := map[string]int{}
	for _, d := range ds {
		out[d.TaskID] = d.Try
	}
	return out
}

func TestClearRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		failB      bool
		onlyFailed bool
		cleared    int
		// dispatched after the clear: task → try.
		dispatched map[string]int
		// rerun lists the tasks to succeed after the clear, in order.
		rerun []string
	}{
		{"only failed: b and its downstream c", true, true, 2, map[string]int{"b": 2}, []string{"b", "c"}},
		{"all of a failed run", true, false, 4, map[string]int{"a": 2}, []string{"a", "b", "side", "c"}},
		{"all of a successful run", false, false, 4, map[string]int{"a": 2}, []string{"a", "b", "side", "c"}},
		{"only failed of a successful run clears nothing", false, true, 0, map[string]int{}, nil},
	}
	for _, be := range backends {
		for _, tc := range tests {
			t.Run(be+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				b := setupOn(t, be)
				ctx := context.Background()
				_, err := b.store.CreateRun(ctx, NewRun{DAG: diamond(), RunType: RunManual, RunID: "r1"})
				require.NoError(t, err)
				b.step(t, "r1", "a", OutcomeSuccess)
				b.step(t, "r1", "side", OutcomeSuccess)
				if tc.failB {
					cr := b.step(t, "r1", "b", OutcomeFailed)
					require.Equal(t, RunFailed, cr.RunState)
				} else {
					b.step(t, "r1", "b", OutcomeSuccess)
					require.Equal(t, RunSuccess, b.step(t, "r1", "c", OutcomeSuccess).RunState)
				}

				n, ds, err := b.store.ClearRun(ctx, "cl", "r1", tc.onlyFailed)
				require.NoError(t, err)
				require.Equal(t, tc.cleared, n)
				require.Equal(t, tc.dispatched, taskIDs(ds))
				run, err := b.store.GetRun(ctx, "cl", "r1")
				require.NoError(t, err)
				if n == 0 {
					require.Equal(t, RunSuccess, run.State)
					return
				}
				require.Equal(t, RunRunning, run.State)
				require.True(t, run.EndDate.IsZero())
				xs, err := b.store.XComs(ctx, "cl", "r1")
				require.NoError(t, err)
				if tc.onlyFailed {
					require.Contains(t, xs, "a", "a kept task keeps its XCom")
				} else {
					require.Empty(t, xs)
				}

				var last *CompleteResult
				for _, task := range tc.rerun {
					last = b.step(t, "r1", task, OutcomeSuccess)
				}
				require.Equal(t, RunSuccess, last.RunState)
				tis, err := b.store.TaskInstances(ctx, "cl", "r1")
				require.NoError(t, err)
				for _, ti := range tis {
					require.Equal(t, TISuccess, ti.State, ti.TaskID)
				}
				bt, err := b.store.TaskInstance(ctx, "cl", "r1", "b")
				require.NoError(t, err)
				require.Equal(t, 2, bt.TryNumber)
				require.Equal(t, 2, bt.MaxTries, "one more try after the clear")
				require.Len(t, bt.Tries, 2)
			})
		}
	}
}

func TestClearRunRefusals(t *testing.T) {
	t.Parallel()
	for _, be := range backends {
		t.Run(be, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, be)
			ctx := context.Background()
			_, err := b.store.CreateRun(ctx, NewRun{DAG: diamond(), RunType: RunManual, RunID: "r1"})
			require.NoError(t, err)
			_, _, err = b.store.ClearRun(ctx, "cl", "r1", false)
			require.ErrorIs(t, err, ErrInvalid, "a running run")
			_, _, err = b.store.ClearRun(ctx, "cl", "nope", false)
			require.ErrorIs(t, err, ErrRunNotFound)
		})
	}
}

func TestDeleteRunAndNote(t *testing.T) {
	t.Parallel()
	for _, be := range backends {
		t.Run(be, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, be)
			ctx := context.Background()
			d := diamond()
			d.MaxActiveRuns = 1
			_, err := b.store.CreateRun(ctx, NewRun{DAG: d, RunType: RunManual, RunID: "r1"})
			require.NoError(t, err)
			r2, err := b.store.CreateRun(ctx, NewRun{DAG: d, RunType: RunManual, RunID: "r2"})
			require.NoError(t, err)
			require.Equal(t, RunQueued, r2.Run.State)

			require.NoError(t, b.store.SetNote(ctx, "cl", "r1", "checked by ops"))
			run, err := b.store.GetRun(ctx, "cl", "r1")
			require.NoError(t, err)
			require.Equal(t, "checked by ops", run.Note)
			require.ErrorIs(t, b.store.SetNote(ctx, "cl", "nope", "x"), ErrRunNotFound)

			ds, err := b.store.DeleteRun(ctx, "cl", "r1")
			require.NoError(t, err)
			require.Equal(t, map[string]int{"a": 1}, taskIDs(ds), "the queued run starts")
			require.Equal(t, "r2", ds[0].RunID)
			_, err = b.store.GetRun(ctx, "cl", "r1")
			require.ErrorIs(t, err, ErrRunNotFound)
			_, err = b.store.TaskInstance(ctx, "cl", "r1", "a")
			require.Error(t, err)
			runs, total, err := b.store.ListRuns(ctx, "cl", ListRunsOptions{})
			require.NoError(t, err)
			require.Equal(t, 1, total)
			require.Equal(t, "r2", runs[0].RunID)
			_, err = b.store.DeleteRun(ctx, "cl", "r1")
			require.ErrorIs(t, err, ErrRunNotFound)
			// a running try of a deleted run is fenced
			_, err = b.store.DeleteRun(ctx, "cl", "r2")
			require.NoError(t, err)
			_, err = b.store.StartTry(ctx, "cl", "r2", "a", 1, "h")
			require.Error(t, err)
		})
	}
}

// TestClearTask clears one task of a successful run: it and its downstream
// run again, the other tasks keep their state.
func TestClearTask(t *testing.T) {
	t.Parallel()
	for _, be := range backends {
		t.Run(be, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, be)
			ctx := context.Background()
			_, err := b.store.CreateRun(ctx, NewRun{DAG: diamond(), RunType: RunManual, RunID: "r1"})
			require.NoError(t, err)
			for _, task := range []string{"a", "side", "b", "c"} {
				b.step(t, "r1", task, OutcomeSuccess)
			}
			_, _, err = b.store.ClearTask(ctx, "cl", "r1", "nope")
			require.ErrorIs(t, err, ErrTaskNotFound)
			n, ds, err := b.store.ClearTask(ctx, "cl", "r1", "b")
			require.NoError(t, err)
			require.Equal(t, 2, n)
			require.Equal(t, map[string]int{"b": 2}, taskIDs(ds))
			tis, err := b.store.TaskInstances(ctx, "cl", "r1")
			require.NoError(t, err)
			states := map[string]TIState{}
			for _, ti := range tis {
				states[ti.TaskID] = ti.State
			}
			require.Equal(t, TISuccess, states["a"])
			require.Equal(t, TISuccess, states["side"])
			require.NotEqual(t, TISuccess, states["b"])
			require.NotEqual(t, TISuccess, states["c"])
			b.step(t, "r1", "b", OutcomeSuccess)
			require.Equal(t, RunSuccess, b.step(t, "r1", "c", OutcomeSuccess).RunState)
		})
	}
}
