package runstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMaxActiveRunsQueuesAndStartsInOrder(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, backend)
			ctx := context.Background()
			d := chain("d", 1)
			d.MaxActiveRuns = 1
			var ids []string
			for i := 3; i >= 1; i-- { // created newest first, must start oldest first
				res, err := b.store.CreateRun(ctx, NewRun{DAG: d, RunType: RunScheduled,
					LogicalDate: b.now.Add(time.Duration(i) * time.Hour)})
				require.NoError(t, err)
				ids = append([]string{res.Run.RunID}, ids...)
				if i == 3 {
					require.Equal(t, RunRunning, res.Run.State)
				} else {
					require.Equal(t, RunQueued, res.Run.State)
					require.Empty(t, res.Dispatch)
				}
			}
			running, queued, err := b.store.ActiveRuns(ctx, "d")
			require.NoError(t, err)
			require.Equal(t, []string{ids[2]}, running)
			require.Equal(t, []string{ids[0], ids[1]}, queued)
			// finishing the running run starts the oldest queued one
			_, err = b.store.StartTry(ctx, "d", ids[2], "ta", 1, "h")
			require.NoError(t, err)
			res, err := b.store.Complete(ctx, Completion{DagID: "d", RunID: ids[2], TaskID: "ta", Try: 1, Outcome: OutcomeSuccess})
			require.NoError(t, err)
			require.Equal(t, RunSuccess, res.RunState)
			require.Len(t, res.Dispatch, 1)
			require.Equal(t, ids[0], res.Dispatch[0].RunID)
		})
	}
}

func TestRetryHoldsNoSlotAndFiresAtDelay(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, backend)
			ctx := context.Background()
			d := &Snapshot{DagID: "d", Version: "v", MaxActiveTasks: 1, Tasks: []SnapshotTask{
				{TaskID: "a", Operator: "fail", TriggerRule: "all_success", Retries: 2, PriorityWeight: 1},
				{TaskID: "b", Operator: "noop", TriggerRule: "all_success", PriorityWeight: 5},
			}}
			res, err := b.store.CreateRun(ctx, NewRun{DAG: d, RunID: "r"})
			require.NoError(t, err)
			require.Len(t, res.Dispatch, 1, "max_active_tasks=1")
			first := res.Dispatch[0].TaskID
			require.Equal(t, "a", first, "roots are made ready in order; b waits")
			_, err = b.store.StartTry(ctx, "d", "r", "a", 1, "h")
			require.NoError(t, err)
			cr, err := b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "a", Try: 1,
				Outcome: OutcomeFailed, RetryDelay: 30 * time.Second})
			require.NoError(t, err)
			require.Equal(t, TIUpForRetry, cr.State)
			require.Len(t, cr.Dispatch, 2)
			require.Equal(t, "a", cr.Dispatch[0].TaskID)
			require.Equal(t, b.now.Add(30*time.Second), cr.Dispatch[0].RetryAt)
			require.Equal(t, "b", cr.Dispatch[1].TaskID, "the waiting task took the freed slot")
			// the timer fires while b holds the only slot: a waits as scheduled
			ds, err := b.store.RetryDue(ctx, "d", "r", "a", 1)
			require.NoError(t, err)
			require.Empty(t, ds)
			ti, err := b.store.TaskInstance(ctx, "d", "r", "a")
			require.NoError(t, err)
			require.Equal(t, TIScheduled, ti.State)
			_, err = b.store.RetryDue(ctx, "d", "r", "a", 1)
			require.ErrorIs(t, err, ErrFenced, "a replayed timer is a no-op")
			_, err = b.store.StartTry(ctx, "d", "r", "b", 1, "h")
			require.NoError(t, err)
			cr, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "b", Try: 1, Outcome: OutcomeSuccess})
			require.NoError(t, err)
			require.Len(t, cr.Dispatch, 1)
			require.NotEmpty(t, cr.Dispatch[0].Static)
			require.NotEmpty(t, cr.Dispatch[0].Inc, "a dispatch carries its run's incarnation")
			cr.Dispatch[0].Static, cr.Dispatch[0].RunStart, cr.Dispatch[0].Inc = nil, time.Time{}, ""
			require.Equal(t, []Dispatch{{DagID: "d", RunID: "r", TaskID: "a", Try: 2, Queue: "default"}}, cr.Dispatch)
			// the old try's completion is fenced
			_, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "a", Try: 1, Outcome: OutcomeSuccess})
			require.ErrorIs(t, err, ErrFenced)
			_, err = b.store.StartTry(ctx, "d", "r", "a", 2, "h")
			require.NoError(t, err)
			cr, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "a", Try: 2, Outcome: OutcomeFailedPermanent})
			require.NoError(t, err)
			require.Equal(t, TIFailed, cr.State, "permanent failure skips remaining retries")
			require.Equal(t, RunFailed, cr.RunState)
		})
	}
}

func TestFinishRunSkipsUnfinished(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	res, err := b.store.CreateRun(ctx, NewRun{DAG: chain("d", 3), RunID: "r"})
	require.NoError(t, err)
	require.Len(t, res.Dispatch, 1)
	_, err = b.store.StartTry(ctx, "d", "r", "ta", 1, "h")
	require.NoError(t, err)
	_, err = b.store.FinishRun(ctx, "d", "r", RunFailed, "dagrun_timeout exceeded")
	require.NoError(t, err)
	run, err := b.store.GetRun(ctx, "d", "r")
	require.NoError(t, err)
	require.Equal(t, RunFailed, run.State)
	require.Equal(t, "dagrun_timeout exceeded", run.FailureReason)
	tis, err := b.store.TaskInstances(ctx, "d", "r")
	require.NoError(t, err)
	for _, ti := range tis {
		require.Equal(t, TISkipped, ti.State)
	}
	_, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "ta", Try: 1, Outcome: OutcomeSuccess})
	require.ErrorIs(t, err, ErrFenced)
}

func TestParkedTaskGetsTheFreedSlot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		legacy bool // the run hash has no 'waiting' field (created by an older version)
	}{
		{"counted", false},
		{"legacy run without the waiting count", true},
	}
	for _, backend := range backends {
		for _, tt := range tests {
			t.Run(backend+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				b := setupOn(t, backend)
				ctx := context.Background()
				d := &Snapshot{DagID: "d", Version: "v", MaxActiveTasks: 1, Tasks: []SnapshotTask{
					{TaskID: "a", Operator: "noop", TriggerRule: "all_success"},
					{TaskID: "b", Operator: "noop", TriggerRule: "all_success"},
					{TaskID: "c", Operator: "noop", TriggerRule: "all_success"},
				}}
				res, err := b.store.CreateRun(ctx, NewRun{DAG: d, RunID: "r"})
				require.NoError(t, err)
				require.Len(t, res.Dispatch, 1)
				rk := b.store.keys.Run("d", "r")
				if tt.legacy {
					require.NoError(t, b.store.rdb.HDel(ctx, rk, "waiting").Err())
				} else {
					require.Equal(t, "2", b.store.rdb.HGet(ctx, rk, "waiting").Val())
				}
				next := res.Dispatch[0].TaskID
				for range 3 {
					_, err = b.store.StartTry(ctx, "d", "r", next, 1, "h")
					require.NoError(t, err)
					cr, err := b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: next, Try: 1, Outcome: OutcomeSuccess})
					require.NoError(t, err)
					if cr.RunState == RunSuccess {
						require.Empty(t, cr.Dispatch)
						break
					}
					require.Len(t, cr.Dispatch, 1, "the parked task takes the freed slot")
					next = cr.Dispatch[0].TaskID
				}
				run, err := b.store.GetRun(ctx, "d", "r")
				require.NoError(t, err)
				require.Equal(t, RunSuccess, run.State)
				require.Equal(t, "0", b.store.rdb.HGet(ctx, rk, "waiting").Val())
				require.Equal(t, "0", b.store.rdb.HGet(ctx, rk, "slots").Val())
			})
		}
	}
}
