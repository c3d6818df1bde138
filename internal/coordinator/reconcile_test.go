package coordinator_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// The sweep also repairs runs of a DAG whose file was removed from the
// folder (the run keeps its own snapshot), and counts its repairs by kind.
func TestSweepCoversRemovedDAGs(t *testing.T) {
	t.Parallel()
	tb := setup(t, map[string]string{"hourly.yaml": hourlyDAG, "gone.yaml": `
gone:
  tasks:
    - {task_id: a, operator: noop}
    - {task_id: b, operator: noop, dependencies: [a]}
`})
	ctx := context.Background()
	_, err := tb.folder.Load(ctx)
	require.NoError(t, err)
	queue := "q-" + tb.prefix
	for _, d := range tb.folder.DAGs() {
		if d.ID != "gone" {
			continue
		}
		// a crash between the create step and its enqueue: asynq never got a
		res, err := tb.store.CreateRun(ctx, runstore.NewRun{DAG: engine.NewSnapshot(d, nil, queue), RunID: "r"})
		require.NoError(t, err)
		require.Len(t, res.Dispatch, 1)
	}
	require.NoError(t, os.Remove(filepath.Join(tb.dir, "gone.yaml")))
	_, err = tb.folder.Load(ctx)
	require.NoError(t, err)
	for _, d := range tb.folder.DAGs() {
		require.NotEqual(t, "gone", d.ID, "the file is removed")
	}

	reg := prometheus.NewRegistry()
	c, err := coordinator.New(coordinator.Config{Client: tb.rdb, KeyPrefix: tb.prefix, Folder: tb.folder,
		Runs: tb.eng, Reconciler: tb.eng, Clock: newFakeClock(time.Now()), ReloadEvery: -1, Metrics: reg})
	require.NoError(t, err)
	require.Equal(t, 0.0, metricValue(t, reg, "dagworker_coordinator_reconcile_repairs_total", coordinator.RepairEnqueued))
	rep, failed := c.Sweep(ctx)
	require.Zero(t, failed)
	require.Equal(t, engine.Repairs{Enqueued: 1}, rep)
	require.Equal(t, 1.0, metricValue(t, reg, "dagworker_coordinator_reconcile_repairs_total", coordinator.RepairEnqueued))
	require.Equal(t, 0.0, metricValue(t, reg, "dagworker_coordinator_reconcile_repairs_total", coordinator.RepairLostTries))
	require.Equal(t, 1.0, metricValue(t, reg, "dagworker_coordinator_reconcile_sweeps_total"))

	insp := asynq.NewInspectorFromRedisClient(tb.rdb)
	gone, err := tb.eng.Store().GetRun(ctx, "gone", "r")
	require.NoError(t, err)
	info, err := insp.GetTaskInfo(queue, engine.TaskID(engine.Payload{DagID: "gone", RunID: "r", TaskID: "a", Try: 1, Inc: gone.Incarnation}))
	require.NoError(t, err, "the sweep handed the lost root to asynq")
	require.Equal(t, asynq.TaskStatePending, info.State)

	rep, failed = c.Sweep(ctx)
	require.Zero(t, failed)
	require.Zero(t, rep.Total(), "asynq has it now: nothing to repair")
	require.Equal(t, 1.0, metricValue(t, reg, "dagworker_coordinator_reconcile_repairs_total", coordinator.RepairEnqueued))
}
