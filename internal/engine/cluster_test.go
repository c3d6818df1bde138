package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks/builtin"
	"github.com/dagworker/dagworker/worker"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// A run on a three-master Redis Cluster: every step's keys share the DAG's
// hash tag, the steps' function library is loaded on every master, and
// asynq, the worker and the reconcile sweep work through cluster clients.
func TestRunOnRedisCluster(t *testing.T) {
	t.Parallel()
	addrs := redistest.StartCluster(t, 3)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := runstore.New(runstore.Config{Client: rdb})
	require.NoError(t, err)
	client := asynq.NewClientFromRedisClient(rdb)
	eng, err := engine.New(engine.Config{Store: st, Client: client, DefaultQueue: "q"})
	require.NoError(t, err)

	// The worker connects the way the binary's --redis-url does.
	w, err := worker.New(worker.Config{RedisURL: "redis-cluster://" + strings.Join(addrs, ","), Concurrency: 4,
		Queues: map[string]int{"q": 1}, ShutdownTimeout: 5 * time.Second})
	require.NoError(t, err)
	require.NoError(t, builtin.Register(w))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	fan := parseDAG(t, `
fan:
  tasks:
    - {task_id: a, operator: echo, msg: hi}
    - {task_id: b1, operator: fail, until_try: 2, retries: 1, retry_delay: 1s, dependencies: [a]}
    - {task_id: b2, operator: echo, msg: "{{ ti.xcom_pull(task_ids='a') }}", dependencies: [a]}
    - {task_id: c, operator: noop, dependencies: [b1, b2]}
`)
	// A second DAG whose hash tag lands on another master than fan's.
	master := func(dagID string) int64 {
		slot, err := rdb.ClusterKeySlot(ctx, st.Keys().Tag(dagID)).Result()
		require.NoError(t, err)
		return slot * 3 / 16384
	}
	otherID := ""
	for _, id := range []string{"other", "other1", "other2", "other3", "other4", "other5"} {
		if master(id) != master("fan") {
			otherID = id
			break
		}
	}
	require.NotEmpty(t, otherID)
	other := parseDAG(t, otherID+":\n  tasks:\n    - {task_id: x, operator: noop}\n")
	resFan, err := eng.CreateRun(ctx, fan, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	resOther, err := eng.CreateRun(ctx, other, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	for _, res := range []*runstore.CreateResult{resFan, resOther} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			run, err := st.GetRun(ctx, res.Run.DagID, res.Run.RunID)
			require.NoError(t, err)
			if run.State.Finished() {
				require.Equal(t, runstore.RunSuccess, run.State, run.DagID)
				break
			}
			require.True(t, time.Now().Before(deadline), "%s still %s", run.DagID, run.State)
			time.Sleep(20 * time.Millisecond)
		}
	}
	b1, err := st.TaskInstance(ctx, "fan", "r", "b1")
	require.NoError(t, err)
	require.Len(t, b1.Tries, 2, "the retry timer fired on the cluster")
	b2, err := st.XCom(ctx, "fan", "r", "b2")
	require.NoError(t, err)
	require.Contains(t, string(b2), "hi", "the XCom of a was rendered into b2's arguments")

	// The library is on every master, not only on the one the first step hit.
	require.NoError(t, rdb.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		libs, err := m.FunctionList(ctx, redis.FunctionListQuery{LibraryNamePattern: "dagworker_*"}).Result()
		if err == nil && len(libs) != 1 {
			t.Errorf("%s has %d dagworker libraries", m.Options().Addr, len(libs))
		}
		return err
	}))
	rep, err := eng.ReconcileDAG(ctx, "fan")
	require.NoError(t, err)
	require.Zero(t, rep.Total())
}
