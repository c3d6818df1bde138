package engine_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob"
)

// TestCleanRuns: old finished runs go with their task instances, XComs,
// outputs and logs; each DAG's newest KeepLast stay whatever their age;
// running and queued runs are untouched; a dry run deletes nothing.
func TestCleanRuns(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	b := setup(t, map[string]tasks.Handler{"block": tasks.HandlerFunc(func(ctx context.Context, _ *tasks.Task) (any, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil, nil
	})})
	t.Cleanup(func() { close(release) })
	ctx := context.Background()
	old := parseDAG(t, `
old:
  tasks:
    - {task_id: hello, operator: echo, message: hi}
`)
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 5 {
		res, err := b.eng.CreateRun(ctx, old, engine.RunOptions{RunType: runstore.RunScheduled, LogicalDate: day.AddDate(0, 0, i)})
		require.NoError(t, err)
		ids = append(ids, res.Run.RunID)
		b.wait(t, "old", res.Run.RunID)
		// An output of the run's task, as a task would write it.
		require.NoError(t, b.lake.Put(ctx, "runs/old/"+res.Run.RunID+"/hello/out.txt", []byte("x"), "text/plain"))
	}
	busy := parseDAG(t, `
busy:
  max_active_runs: 1
  tasks:
    - {task_id: wait, operator: block}
`)
	var busyIDs []string
	for i := range 2 {
		res, err := b.eng.CreateRun(ctx, busy, engine.RunOptions{RunType: runstore.RunScheduled, LogicalDate: day.AddDate(0, 0, i)})
		require.NoError(t, err)
		busyIDs = append(busyIDs, res.Run.RunID)
	}
	future := time.Now().Add(time.Hour)

	// Nothing ended an hour ago.
	rep, err := b.eng.CleanRuns(ctx, engine.CleanOptions{OlderThan: time.Now().Add(-time.Hour), Lake: b.lake})
	require.NoError(t, err)
	require.Empty(t, rep.Runs)

	dry, err := b.eng.CleanRuns(ctx, engine.CleanOptions{OlderThan: future, KeepLast: 2, DryRun: true, Lake: b.lake})
	require.NoError(t, err)
	require.Equal(t, []engine.RunRef{{"old", ids[0]}, {"old", ids[1]}, {"old", ids[2]}}, dry.Runs)
	require.Zero(t, dry.Objects)
	_, total, err := b.store.ListRuns(ctx, "old", runstore.ListRunsOptions{})
	require.NoError(t, err)
	require.Equal(t, 5, total, "a dry run deletes nothing")
	require.Equal(t, 5, countObjects(t, b.lake, "runs/old/"), "the outputs are still there")
	require.Equal(t, 5, countObjects(t, b.lake, "logs/old/"), "the try logs are still there")

	// A batch bound of 1, then the rest.
	rep, err = b.eng.CleanRuns(ctx, engine.CleanOptions{OlderThan: future, KeepLast: 2, Limit: 1, Lake: b.lake})
	require.NoError(t, err)
	require.Equal(t, []engine.RunRef{{"old", ids[0]}}, rep.Runs)
	rep, err = b.eng.CleanRuns(ctx, engine.CleanOptions{OlderThan: future, KeepLast: 2, Lake: b.lake})
	require.NoError(t, err)
	require.Equal(t, []engine.RunRef{{"old", ids[1]}, {"old", ids[2]}}, rep.Runs)
	require.Equal(t, 4, rep.Objects, "two outputs and two try logs")

	runs, total, err := b.store.ListRuns(ctx, "old", runstore.ListRunsOptions{})
	require.NoError(t, err)
	require.Equal(t, 2, total)
	require.Equal(t, []string{ids[3], ids[4]}, []string{runs[0].RunID, runs[1].RunID}, "the newest two are kept")
	for _, id := range ids[:3] {
		_, err := b.store.GetRun(ctx, "old", id)
		require.ErrorIs(t, err, runstore.ErrRunNotFound)
		x, err := b.store.XCom(ctx, "old", id, "hello")
		require.NoError(t, err)
		require.Nil(t, x)
		keys, err := b.env.Client().Keys(ctx, "{"+b.env.Prefix+":old}:*"+id+"*").Result()
		require.NoError(t, err)
		require.Empty(t, keys, "no key of run %s is left", id)
		require.Zero(t, countObjects(t, b.lake, "runs/old/"+id+"/")+countObjects(t, b.lake, "logs/old/"+id+"/"))
	}
	for _, id := range ids[3:] {
		require.Equal(t, 1, countObjects(t, b.lake, "logs/old/"+id+"/"), "a kept run keeps its log")
	}

	// KeepLast 0: the old DAG's last runs go too; the running and the
	// queued run of busy stay.
	rep, err = b.eng.CleanRuns(ctx, engine.CleanOptions{OlderThan: future})
	require.NoError(t, err)
	require.Len(t, rep.Runs, 2)
	for i, want := range []runstore.RunState{runstore.RunRunning, runstore.RunQueued} {
		r, err := b.store.GetRun(ctx, "busy", busyIDs[i])
		require.NoError(t, err)
		require.Equal(t, want, r.State)
	}
	_, err = b.eng.CleanRuns(ctx, engine.CleanOptions{})
	require.ErrorIs(t, err, engine.ErrConfig)
}

func countObjects(t *testing.T, lake *tasks.Lake, prefix string) int {
	t.Helper()
	n := 0
	it := lake.Bucket().List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return n
		}
		require.NoError(t, err)
		if !obj.IsDir {
			n++
		}
	}
}
