package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/stretchr/testify/require"
)

// gauge is a task type that records the peak number of concurrent tries
// per DAG.
type gauge struct {
	cur, peak map[string]*atomic.Int32
}

func (g gauge) Run(_ context.Context, t *tasks.Task) (any, error) {
	n := g.cur[t.Info.DagID].Add(1)
	defer g.cur[t.Info.DagID].Add(-1)
	for {
		p := g.peak[t.Info.DagID].Load()
		if n <= p || g.peak[t.Info.DagID].CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(150 * time.Millisecond)
	return nil, nil
}

func TestMaxActiveTasksAndPools(t *testing.T) {
	t.Parallel()
	g := gauge{cur: map[string]*atomic.Int32{}, peak: map[string]*atomic.Int32{}}
	for _, id := range []string{"capped", "pooled"} {
		g.cur[id], g.peak[id] = &atomic.Int32{}, &atomic.Int32{}
	}
	b := setupNoWorker(t)
	b.startWorkerWith(t, map[string]tasks.Handler{"gauge": g}, func(c *worker.Config) {
		c.Pools = map[string]int{b.env.Prefix + "-pool": 3}
	})
	capped := parseDAG(t, `
capped:
  max_active_tasks: 2
  tasks:
    - {task_id: a, operator: gauge}
    - {task_id: b, operator: gauge}
    - {task_id: c, operator: gauge}
    - {task_id: d, operator: gauge}
    - {task_id: e, operator: gauge}
`)
	pooled := parseDAG(t, `
pooled:
  tasks:
    - {task_id: a, operator: gauge, pool: `+b.env.Prefix+`-pool}
    - {task_id: b, operator: gauge, pool: `+b.env.Prefix+`-pool, pool_slots: 2}
    - {task_id: c, operator: gauge, pool: `+b.env.Prefix+`-pool}
    - {task_id: d, operator: gauge, pool: `+b.env.Prefix+`-pool}
    - {task_id: e, operator: gauge, pool: `+b.env.Prefix+`-pool}
    - {task_id: f, operator: gauge, pool: `+b.env.Prefix+`-pool}
`)
	ctx := context.Background()
	for _, d := range []*struct {
		id   string
		peak int32
	}{{"capped", 2}, {"pooled", 3}} {
		dd := capped
		if d.id == "pooled" {
			dd = pooled
		}
		res, err := b.eng.CreateRun(ctx, dd, engine.RunOptions{RunID: "r"})
		require.NoError(t, err)
		run := b.wait(t, d.id, res.Run.RunID)
		require.Equal(t, runstore.RunSuccess, run.State)
		require.LessOrEqual(t, g.peak[d.id].Load(), d.peak, d.id)
		require.GreaterOrEqual(t, g.peak[d.id].Load(), int32(2), d.id+" still runs tasks in parallel")
	}
	// A try releases its slots after its completion step, so the run can
	// finish a moment before its last task's release.
	require.Eventually(t, func() bool {
		used, err := b.store.PoolUsage(ctx, b.env.Prefix+"-pool")
		return err == nil && used == 0
	}, 5*time.Second, 5*time.Millisecond, "every pool slot was released")
}
