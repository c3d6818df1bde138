package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/stretchr/testify/require"
)

// A crash between a Lua step and its enqueue leaves queued task instances
// that asynq never got; Reconcile enqueues them and the run finishes.
func TestReconcileEnqueuesWhatACrashLost(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	d := parseDAG(t, `
lost:
  tasks:
    - {task_id: a, operator: noop}
    - {task_id: b, operator: noop, dependencies: [a]}
`)
	ctx := context.Background()
	// the store step ran, the enqueue never happened
	res, err := b.store.CreateRun(ctx, runstore.NewRun{DAG: engine.NewSnapshot(d, nil, b.queue), RunID: "r"})
	require.NoError(t, err)
	require.Len(t, res.Dispatch, 1)
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, runstore.TIQueued, b.ti(t, "lost", "r", "a").State, "nothing ran it")
	rep, err := b.eng.ReconcileDAG(ctx, "lost")
	require.NoError(t, err)
	require.Equal(t, engine.Repairs{Enqueued: 1}, rep)
	rep, err = b.eng.ReconcileDAG(ctx, "lost")
	require.NoError(t, err)
	require.LessOrEqual(t, rep.Enqueued, 1, "a second sweep re-enqueues only what asynq no longer has")
	require.Zero(t, rep.LostTries)
	run := b.wait(t, "lost", "r")
	require.Equal(t, runstore.RunSuccess, run.State)
	require.Len(t, b.ti(t, "lost", "r", "a").Tries, 1, "one execution despite two reconciles")
}

func TestDagrunTimeoutFailsTheRun(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	d := parseDAG(t, `
slowrun:
  dagrun_timeout: 1s
  tasks:
    - {task_id: a, operator: sleep, duration: 1500ms}
    - {task_id: b, operator: noop, dependencies: [a]}
`)
	ctx := context.Background()
	res, err := b.eng.CreateRun(ctx, d, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	run := b.wait(t, "slowrun", res.Run.RunID)
	require.Equal(t, runstore.RunFailed, run.State)
	require.Contains(t, run.FailureReason, "dagrun_timeout")
	require.Equal(t, runstore.TISkipped, b.ti(t, "slowrun", "r", "b").State)
}
