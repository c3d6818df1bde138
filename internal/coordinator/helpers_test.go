package coordinator_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/clock"
	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// fakeClock is a settable clock: After fires when Advance passes its time.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// testBundle is one test's Redis slice, run store, engine and DAG folder.
type testBundle struct {
	rdb    *redis.Client
	prefix string
	store  *runstore.Store
	eng    *engine.Engine
	dir    string
	folder *coordinator.Folder
}

func setup(t *testing.T, files map[string]string) *testBundle {
	t.Helper()
	env := redistest.New(t)
	rdb := env.Client()
	st, err := runstore.New(runstore.Config{Client: rdb, KeyPrefix: env.Prefix})
	require.NoError(t, err)
	ac := asynq.NewClient(env.ConnOpt())
	t.Cleanup(func() { _ = ac.Close() })
	eng, err := engine.New(engine.Config{Store: st, Client: ac, DefaultQueue: env.Queue("default")})
	require.NoError(t, err)
	dir := t.TempDir()
	for name, src := range files {
		writeFile(t, dir, name, src)
	}
	folder, err := coordinator.NewFolder(coordinator.FolderConfig{Dir: dir})
	require.NoError(t, err)
	return &testBundle{rdb: rdb, prefix: env.Prefix, store: st, eng: eng, dir: dir, folder: folder}
}

func writeFile(t *testing.T, dir, name, src string) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	// Make every write visible to the size+mtime poll, even within one
	// filesystem timestamp tick.
	fi, err := os.Stat(p)
	require.NoError(t, err)
	bump := fi.ModTime().Add(time.Duration(len(src)+1) * time.Second)
	require.NoError(t, os.Chtimes(p, bump, bump))
}

func (tb *testBundle) coordinator(t *testing.T, clock clock.Clock) *coordinator.Coordinator {
	t.Helper()
	c, err := coordinator.New(coordinator.Config{
		Client: tb.rdb, KeyPrefix: tb.prefix, Folder: tb.folder, Runs: tb.eng, Reconciler: tb.eng,
		Clock: clock, LeaseTTL: time.Second, ReloadEvery: -1, MaxSleep: time.Hour,
	})
	require.NoError(t, err)
	return c
}

func (tb *testBundle) runIDs(t *testing.T, dagID string) []string {
	t.Helper()
	runs, _, err := tb.store.ListRuns(context.Background(), dagID, runstore.ListRunsOptions{Limit: 1000})
	require.NoError(t, err)
	ids := make([]string, 0, len(runs))
	for _, r := range runs {
		ids = append(ids, r.RunID)
	}
	return ids
}

// hourlyDAG is a catchup DAG firing every hour from 2026-01-01.
const hourlyDAG = `
hourly:
  schedule: "0 * * * *"
  start_date: 2026-01-01T00:00:00Z
  catchup: true
  max_active_runs: 100
  tasks:
    - task_id: a
      operator: noop
    - task_id: b
      operator: noop
      dependencies: [a]
`
