package api

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob/memblob"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/builtin"
	"github.com/dagworker/dagworker/worker"
)

const engineDAGs = `
hello:
  tags: [demo]
  tasks:
    - task_id: greet
      operator: echo
      msg: "hi {{ run_id }}"
    - task_id: done
      operator: noop
      dependencies: [greet]
broken:
  tasks:
    - task_id: boom
      operator: fail
`

// engineEnv is the API over the real engine, run store, Redis and a worker.
type engineEnv struct {
	*bundle
	store *runstore.Store
}

// setupEngine starts Redis (the shared test server), the engine, a worker
// with the built-in task types and the API on a loopback port.
func setupEngine(tb testing.TB, concurrency int) *engineEnv {
	tb.Helper()
	env := redistest.New(tb)
	queue := env.Queue("default")
	st, err := runstore.New(runstore.Config{Client: env.Client(), KeyPrefix: env.Prefix})
	require.NoError(tb, err)
	client := asynq.NewClient(env.ConnOpt())
	tb.Cleanup(func() { _ = client.Close() })
	eng, err := engine.New(engine.Config{Store: st, Client: client, DefaultQueue: queue})
	require.NoError(tb, err)
	bucket := memblob.OpenBucket(nil)
	lake := tasks.NewLake(bucket, "mem://")
	w, err := worker.New(worker.Config{Redis: env.ConnOpt(), KeyPrefix: env.Prefix, Concurrency: concurrency,
		Queues: map[string]int{queue: 1}, Lake: lake, ShutdownTimeout: 5 * time.Second})
	require.NoError(tb, err)
	require.NoError(tb, builtin.Register(w))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	ds, _, err := dag.Parse("dags/engine.yaml", []byte(engineDAGs), dag.Options{})
	require.NoError(tb, err)
	be := &EngineBackend{Engine: eng, Folder: func() []*dag.DAG { return ds }, Lake: lake}
	cfg := be.Config()
	cfg.Tokens = []Token{{Token: triggerTok, Scope: ScopeTrigger}, {Token: readTok, Scope: ScopeRead}}
	cfg.PollInterval = 5 * time.Millisecond
	srv, err := New(cfg)
	require.NoError(tb, err)
	hs := httptest.NewServer(srv)
	tb.Cleanup(func() {
		hs.Close()
		cancel()
		require.NoError(tb, <-done)
		_ = bucket.Close()
	})
	b := &bundle{srv: hs, api: srv}
	if t, ok := tb.(*testing.T); ok {
		_, b.spec = loadAirflowSpec(t)
	}
	return &engineEnv{bundle: b, store: st}
}

func TestEngineBackend(t *testing.T) {
	t.Parallel()
	e := setupEngine(t, 4)
	b := e.bundle

	dags := b.req(t, "GET", "/api/v2/dags", rd, nil).json(t)
	require.InDelta(t, 2, dags["total_entries"], 0)

	res := b.req(t, "POST", "/api/v2/dags/hello/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "r1", "conf": map[string]any{"k": "v"}})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "success", res.json(t)["state"])
	require.Equal(t, 409, b.req(t, "POST", "/api/v2/dags/hello/dagRuns", trg, map[string]any{"dag_run_id": "r1"}).status)

	base := "/api/v2/dags/hello/dagRuns/r1"
	require.InDelta(t, 2, b.req(t, "GET", base+"/taskInstances", rd, nil).json(t)["total_entries"], 0)
	ti := b.req(t, "GET", base+"/taskInstances/greet", rd, nil).json(t)
	require.Equal(t, "success", ti["state"])
	require.InDelta(t, 1, ti["try_number"], 0)
	require.InDelta(t, 1, b.req(t, "GET", base+"/taskInstances/greet/tries", rd, nil).json(t)["total_entries"], 0)
	logs := b.req(t, "GET", base+"/taskInstances/greet/logs/1", rd, nil)
	require.Equal(t, 200, logs.status, string(logs.body))
	xcom := b.req(t, "GET", base+"/taskInstances/greet/xcomEntries/return_value?stringify=false", rd, nil)
	require.Equal(t, 200, xcom.status, string(xcom.body))
	sensor := b.req(t, "GET", base+"/sensor", rd, nil)
	require.Equal(t, 200, sensor.status, string(sensor.body))
	require.Contains(t, sensor.json(t)["outputs"], "greet")

	// Pausing is stored in Redis.
	require.Equal(t, 200, b.req(t, "PATCH", "/api/v2/dags/hello", trg, map[string]bool{"is_paused": true}).status)
	require.Equal(t, true, b.req(t, "GET", "/api/v2/dags/hello", rd, nil).json(t)["is_paused"])

	failed := b.req(t, "POST", "/api/v2/dags/broken/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "f1"})
	require.Equal(t, 200, failed.status, string(failed.body))
	require.Equal(t, "failed", failed.json(t)["state"])
	require.Equal(t, 424, b.req(t, "GET", "/api/v2/dags/broken/dagRuns/f1/sensor", rd, nil).status)
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dags/broken/dagRuns/nope", rd, nil).status)
}
