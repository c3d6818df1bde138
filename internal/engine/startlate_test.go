package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/stretchr/testify/require"
)

// peek is a task type that sends the state its own task instance has in the
// store while it runs, and returns its max_tries.
func (b *bundle) peek(seen chan<- runstore.TIState) tasks.Handler {
	return tasks.HandlerFunc(func(ctx context.Context, tk *tasks.Task) (any, error) {
		ti, err := b.store.TaskInstance(ctx, tk.Info.DagID, tk.Info.RunID, tk.Info.TaskID)
		if err != nil {
			return nil, err
		}
		seen <- ti.State
		return tk.Info.MaxTries, nil
	})
}

// A try whose payload carries its static fields runs before the store hears
// of it: its handler sees the task instance still queued, the completion
// step records the start and host, and the downstream try runs the same way.
func TestTryStartsFromPayload(t *testing.T) {
	t.Parallel()
	b := setupNoWorker(t)
	seen := make(chan runstore.TIState, 2)
	b.startWorkerWith(t, map[string]tasks.Handler{"peek": b.peek(seen)},
		func(c *worker.Config) { c.MarkRunningAfter = time.Hour; c.Hostname = "w-fast" })
	d := parseDAG(t, `
fast:
  default_args: {retries: 2}
  tasks:
    - {task_id: a, operator: peek, args: {n: 1}}
    - {task_id: b, operator: peek, dependencies: [a]}
`)
	res, err := b.eng.CreateRun(context.Background(), d, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	require.Equal(t, runstore.RunSuccess, b.wait(t, "fast", res.Run.RunID).State)
	require.Equal(t, runstore.TIQueued, <-seen, "a's handler ran before any start step")
	require.Equal(t, runstore.TIQueued, <-seen, "so did b's")
	for _, id := range []string{"a", "b"} {
		ti := b.ti(t, "fast", "r", id)
		require.Equal(t, runstore.TISuccess, ti.State)
		require.Equal(t, "w-fast", ti.Hostname)
		require.False(t, ti.StartDate.IsZero())
		require.False(t, ti.EndDate.Before(ti.StartDate))
		require.Len(t, ti.Tries, 1)
		require.Equal(t, "w-fast", ti.Tries[0].Hostname)
	}
	x, err := b.store.XCom(context.Background(), "fast", "r", "a")
	require.NoError(t, err)
	require.JSONEq(t, `3`, string(x), "max_tries came with the payload")
}

// With a negative MarkRunningAfter every try takes the start step first.
func TestMarkRunningBeforeEveryTry(t *testing.T) {
	t.Parallel()
	b := setupNoWorker(t)
	seen := make(chan runstore.TIState, 1)
	b.startWorkerWith(t, map[string]tasks.Handler{"peek": b.peek(seen)},
		func(c *worker.Config) { c.MarkRunningAfter = -1 })
	d := parseDAG(t, `
eager:
  tasks:
    - {task_id: a, operator: peek}
`)
	res, err := b.eng.CreateRun(context.Background(), d, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	require.Equal(t, runstore.RunSuccess, b.wait(t, "eager", res.Run.RunID).State)
	require.Equal(t, runstore.TIRunning, <-seen)
}

// A try that outlasts MarkRunningAfter shows as running with its host and
// the time its handler began.
func TestLongTryMarkedRunning(t *testing.T) {
	t.Parallel()
	b := setupNoWorker(t)
	release := make(chan struct{})
	b.startWorkerWith(t, map[string]tasks.Handler{
		"wait": tasks.HandlerFunc(func(ctx context.Context, _ *tasks.Task) (any, error) {
			select {
			case <-release:
				return "done", nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}),
	}, func(c *worker.Config) { c.MarkRunningAfter = 50 * time.Millisecond; c.Hostname = "w-late" })
	d := parseDAG(t, `
late:
  tasks:
    - {task_id: w, operator: wait}
`)
	before := time.Now().Truncate(time.Millisecond)
	res, err := b.eng.CreateRun(context.Background(), d, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return b.ti(t, "late", "r", "w").State == runstore.TIRunning
	}, 10*time.Second, 10*time.Millisecond)
	ti := b.ti(t, "late", "r", "w")
	require.Equal(t, "w-late", ti.Hostname)
	require.False(t, ti.StartDate.Before(before))
	require.True(t, ti.StartDate.Before(time.Now()))
	close(release)
	require.Equal(t, runstore.RunSuccess, b.wait(t, "late", res.Run.RunID).State)
	done := b.ti(t, "late", "r", "w")
	require.Equal(t, ti.StartDate, done.StartDate, "the start stays the handler's")
}

// A try found stale when it is due to be marked running (its run was failed
// by hand meanwhile) has its context cancelled and its outcome dropped.
func TestStaleTryStoppedAtItsMark(t *testing.T) {
	t.Parallel()
	b := setupNoWorker(t)
	started := make(chan struct{})
	stopped := make(chan error, 1)
	b.startWorkerWith(t, map[string]tasks.Handler{
		"wait": tasks.HandlerFunc(func(ctx context.Context, _ *tasks.Task) (any, error) {
			close(started)
			select {
			case <-ctx.Done():
				stopped <- ctx.Err()
				return nil, ctx.Err()
			case <-time.After(20 * time.Second):
				stopped <- nil
				return "not stopped", nil
			}
		}),
	}, func(c *worker.Config) { c.MarkRunningAfter = time.Second })
	d := parseDAG(t, `
stale:
  tasks:
    - {task_id: w, operator: wait}
`)
	ctx := context.Background()
	_, err := b.eng.CreateRun(ctx, d, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	<-started
	require.Equal(t, runstore.TIQueued, b.ti(t, "stale", "r", "w").State)
	require.NoError(t, b.eng.FinishRun(ctx, "stale", "r", runstore.RunFailed, "marked by hand"))
	require.ErrorIs(t, <-stopped, context.Canceled)
	ti := b.ti(t, "stale", "r", "w")
	require.Equal(t, runstore.TISkipped, ti.State, "the stale try recorded nothing")
	require.Empty(t, ti.Tries)
}
