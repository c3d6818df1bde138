package coordinator_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks/builtin"
	"github.com/dagworker/dagworker/worker"
	"github.com/stretchr/testify/require"
)

// TestRetentionSoak triggers runs at a steady rate for a few seconds with a
// worker running them and the leader's retention on: the run store's key
// count stays flat (compared at two points) while the runs created keep
// growing; the newest runs are kept.
func TestRetentionSoak(t *testing.T) {
	t.Parallel()
	tb := setup(t, map[string]string{"soak.yaml": `
soak:
  tasks:
    - {task_id: a, operator: echo, message: one}
    - {task_id: b, operator: echo, message: two, dependencies: [a]}
`})
	// The shared test Redis (its connection options), the bundle's queue.
	w, err := worker.New(worker.Config{Redis: redistest.New(t).ConnOpt(), KeyPrefix: tb.prefix, Concurrency: 4,
		Queues: map[string]int{tb.prefix + "-default": 1}, ShutdownTimeout: 5 * time.Second})
	require.NoError(t, err)
	require.NoError(t, builtin.Register(w))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(ctx) })
	c, err := coordinator.New(coordinator.Config{Client: tb.rdb, KeyPrefix: tb.prefix, Folder: tb.folder, Runs: tb.eng,
		LeaseTTL: time.Second, ReloadEvery: -1, Retention: 300 * time.Millisecond, RetentionKeepLast: 5,
		RetentionEvery: 100 * time.Millisecond, Cleaner: tb.eng})
	require.NoError(t, err)
	wg.Go(func() { _ = c.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	_, err = tb.folder.Load(context.Background())
	require.NoError(t, err)
	d, ok := tb.folder.DAG("soak")
	require.True(t, ok)
	keys := func() int {
		n, err := tb.rdb.Keys(context.Background(), "{"+tb.prefix+":soak}:*").Result()
		require.NoError(t, err)
		return len(n)
	}
	created := 0
	trigger := func(span time.Duration) {
		for end := time.Now().Add(span); time.Now().Before(end); created++ {
			_, err := tb.eng.CreateRun(context.Background(), d, engine.RunOptions{RunType: runstore.RunManual,
				LogicalDate: time.Now()})
			require.NoError(t, err)
			time.Sleep(20 * time.Millisecond)
		}
	}
	trigger(1500 * time.Millisecond)
	first, createdFirst := keys(), created
	trigger(2500 * time.Millisecond)
	second := keys()
	t.Logf("runs created %d then %d; run-store keys %d then %d", createdFirst, created, first, second)
	require.Greater(t, created, 2*createdFirst, "the load kept on")
	require.LessOrEqual(t, second, first*3/2+20, "keys stay flat under a steady load with retention on")
	_, total, err := tb.store.ListRuns(context.Background(), "soak", runstore.ListRunsOptions{})
	require.NoError(t, err)
	require.Less(t, total, created/2, "old runs were deleted")
	require.GreaterOrEqual(t, total, 5, "the newest runs are kept")
}
