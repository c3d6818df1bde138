package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
	"gocloud.dev/blob/memblob"

	"github.com/dagworker/dagworker/internal/apiengine"
	"github.com/dagworker/dagworker/internal/coordinator"
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
flaky:
  tasks:
    - task_id: first
      operator: echo
      msg: one
    - task_id: flaky
      operator: fail
      until_try: 2
      dependencies: [first]
`

// engineEnv is the API over the real engine, run store, Redis and a worker.
type engineEnv struct {
	*bundle
	store *runstore.Store
	env   *redistest.Env
	// load replaces the loaded DAGs by those of a DAG file's YAML, as the
	// DAG folder does when a file changes.
	load func(dagYAML string)
}

// setupEngine starts Redis (the shared test server), the engine, a worker
// with the built-in task types and the API on a loopback port.
func setupEngine(tb testing.TB, concurrency int) *engineEnv {
	tb.Helper()
	return setupEngineDAGs(tb, concurrency, engineDAGs)
}

// setupEngineDAGs is setupEngine with the DAG file's YAML.
func setupEngineDAGs(tb testing.TB, concurrency int, dagYAML string) *engineEnv {
	tb.Helper()
	return setupEngineTraced(tb, concurrency, dagYAML, nil)
}

// setupEngineTraced is setupEngineDAGs with tp (nil: none) as the tracer
// provider of the engines, the worker and the API.
func setupEngineTraced(tb testing.TB, concurrency int, dagYAML string, tp trace.TracerProvider) *engineEnv {
	tb.Helper()
	env := redistest.New(tb)
	queue := env.Queue("default")
	st, err := runstore.New(runstore.Config{Client: env.Client(), KeyPrefix: env.Prefix})
	require.NoError(tb, err)
	client := asynq.NewClient(env.ConnOpt())
	tb.Cleanup(func() { _ = client.Close() })
	eng, err := engine.New(engine.Config{Store: st, Client: client, DefaultQueue: queue, TracerProvider: tp})
	require.NoError(tb, err)
	bucket := memblob.OpenBucket(nil)
	lake := tasks.NewLake(bucket, "mem://")
	w, err := worker.New(worker.Config{Redis: env.ConnOpt(), KeyPrefix: env.Prefix, Concurrency: concurrency,
		Queues: map[string]int{queue: 1}, Lake: lake, ShutdownTimeout: 5 * time.Second, TracerProvider: tp})
	require.NoError(tb, err)
	require.NoError(tb, builtin.Register(w))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	var folder atomic.Pointer[[]*dag.DAG]
	load := func(dagYAML string) {
		ds, _, err := dag.Parse("dags/engine.yaml", []byte(dagYAML), dag.Options{})
		require.NoError(tb, err)
		folder.Store(&ds)
	}
	load(dagYAML)
	be := &apiengine.EngineBackend{Engine: eng, Folder: func() []*dag.DAG { return *folder.Load() }, Lake: lake}
	cfg := EngineConfig(be)
	inspector := asynq.NewInspector(env.ConnOpt())
	tb.Cleanup(func() { _ = inspector.Close() })
	cfg.Runner = &apiengine.AsynqRunner{Client: client, Inspector: inspector, Redis: env.Client(), KeyPrefix: env.Prefix,
		Lake: lake, DefaultQueue: queue}
	cfg.Tokens = []Token{{Token: triggerTok, Scope: ScopeTrigger}, {Token: readTok, Scope: ScopeRead}}
	cfg.PollInterval = 5 * time.Millisecond
	cfg.TracerProvider = tp
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
	return &engineEnv{bundle: b, store: st, env: env, load: load}
}

func TestEngineBackend(t *testing.T) {
	t.Parallel()
	e := setupEngine(t, 4)
	b := e.bundle

	dags := b.req(t, "GET", "/api/v2/dags", rd, nil).json(t)
	require.InDelta(t, 3, dags["total_entries"], 0)

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

	// Pausing is stored in Redis, in the flags the coordinator schedules by.
	require.Equal(t, 200, b.req(t, "PATCH", "/api/v2/dags/hello", trg, map[string]bool{"is_paused": true}).status)
	require.Equal(t, true, b.req(t, "GET", "/api/v2/dags/hello", rd, nil).json(t)["is_paused"])
	flags := coordinator.NewPauseFlags(e.store.Client(), e.store.Keys().Prefix())
	paused, set, err := flags.Paused(context.Background(), "hello")
	require.NoError(t, err)
	require.True(t, paused && set, "the coordinator sees the API's pause")
	require.NoError(t, flags.SetPaused(context.Background(), "hello", false))
	require.Equal(t, false, b.req(t, "GET", "/api/v2/dags/hello", rd, nil).json(t)["is_paused"])

	failed := b.req(t, "POST", "/api/v2/dags/broken/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "f1"})
	require.Equal(t, 200, failed.status, string(failed.body))
	require.Equal(t, "failed", failed.json(t)["state"])
	require.Equal(t, 424, b.req(t, "GET", "/api/v2/dags/broken/dagRuns/f1/sensor", rd, nil).status)
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dags/broken/dagRuns/nope", rd, nil).status)
}

func TestEngineBackendClearDeleteNote(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, 4).bundle
	base := "/api/v2/dags/flaky/dagRuns/c1"
	res := b.req(t, "POST", "/api/v2/dags/flaky/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "c1"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "failed", res.json(t)["state"])

	dry := b.req(t, "POST", base+"/clear", trg, map[string]any{"only_failed": true})
	require.Equal(t, 200, dry.status, string(dry.body))
	require.InDelta(t, 1, dry.json(t)["total_entries"], 0)
	require.Equal(t, 403, b.req(t, "POST", base+"/clear", rd, map[string]any{"dry_run": false}).status)
	clr := b.req(t, "POST", base+"/clear", trg, map[string]any{"dry_run": false, "only_failed": true})
	require.Equal(t, 200, clr.status, string(clr.body))
	require.Equal(t, "running", clr.json(t)["state"])
	deadline := time.Now().Add(30 * time.Second)
	for b.req(t, "GET", base, rd, nil).json(t)["state"] != "success" {
		require.True(t, time.Now().Before(deadline), "cleared run did not succeed")
		time.Sleep(20 * time.Millisecond)
	}
	ti := b.req(t, "GET", base+"/taskInstances/flaky", rd, nil).json(t)
	require.InDelta(t, 2, ti["try_number"], 0)
	require.InDelta(t, 1, b.req(t, "GET", base+"/taskInstances/first", rd, nil).json(t)["try_number"], 0)
	require.InDelta(t, 2, b.req(t, "GET", base+"/taskInstances/flaky/tries", rd, nil).json(t)["total_entries"], 0)
	require.Equal(t, 200, b.req(t, "GET", base+"/taskInstances/flaky/logs/2", rd, nil).status)
	require.Equal(t, 404, b.req(t, "POST", "/api/v2/dags/flaky/dagRuns/nope/clear", trg, map[string]any{"dry_run": false}).status,
		"an unknown run is 404")

	note := b.req(t, "PATCH", base, trg, map[string]any{"note": "rerun after a fix"})
	require.Equal(t, 200, note.status, string(note.body))
	require.Equal(t, "rerun after a fix", note.json(t)["note"])
	require.Equal(t, "rerun after a fix", b.req(t, "GET", base, rd, nil).json(t)["note"])

	require.Equal(t, 403, b.req(t, "DELETE", base, rd, nil).status)
	require.Equal(t, 204, b.req(t, "DELETE", base, trg, nil).status)
	require.Equal(t, 404, b.req(t, "GET", base, rd, nil).status)
	require.Equal(t, 404, b.req(t, "DELETE", base, trg, nil).status)
}

func TestEngineBackendAdHocTasks(t *testing.T) {
	t.Parallel()
	b := setupEngine(t, 4).bundle
	tests := []struct {
		name      string
		body      map[string]any
		state     string
		result    string
		errSubstr string
	}{
		{"echo", map[string]any{"type": "echo", "args": map[string]any{"msg": "hi"}, "wait": "30s"}, "success", `{"msg":"hi"}`, ""},
		{"fail", map[string]any{"type": "fail", "args": map[string]any{"message": "boom"}, "wait": "30s"}, "failed", "", "boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := b.req(t, "POST", "/api/dagworker/v1/tasks", trg, tc.body)
			require.Equal(t, 200, res.status, string(res.body))
			got := res.json(t)
			require.Equal(t, tc.state, got["state"])
			id, _ := got["id"].(string)
			require.NotContains(t, id, "/")
			again := b.req(t, "GET", "/api/dagworker/v1/tasks/"+id, rd, nil)
			require.Equal(t, 200, again.status, string(again.body))
			g := again.json(t)
			require.Equal(t, tc.state, g["state"])
			require.Contains(t, g["log"], "adhoc", "the try's log is captured under the adhoc identity")
			if tc.result != "" {
				out, err := json.Marshal(g["result"])
				require.NoError(t, err)
				require.JSONEq(t, tc.result, string(out))
			}
			if tc.errSubstr != "" {
				require.Contains(t, g["error"], tc.errSubstr)
			}
		})
	}
	require.Equal(t, 404, b.req(t, "GET", "/api/dagworker/v1/tasks/nope", rd, nil).status)
	require.Equal(t, 403, b.req(t, "POST", "/api/dagworker/v1/tasks", rd, map[string]any{"type": "echo"}).status)
}

// TestEngineBackendRunPages lists runs through the real run store: the page,
// the state filter and the totals come from the store, and the orders the
// store does not keep still page right.
func TestEngineBackendRunPages(t *testing.T) {
	t.Parallel()
	e := setupEngine(t, 4)
	b := e.bundle
	for i := range 7 {
		id := "p" + string(rune('0'+i))
		body := map[string]any{"dag_run_id": id, "logical_date": time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)}
		dagID := "hello"
		if i%2 == 1 {
			dagID = "broken"
		}
		res := b.req(t, "POST", "/api/v2/dags/"+dagID+"/dagRuns?wait=30s", trg, body)
		require.Equal(t, 200, res.status, string(res.body))
	}
	ids := func(path string) ([]string, float64) {
		res := b.req(t, "GET", path, rd, nil)
		require.Equal(t, 200, res.status, string(res.body))
		m := res.json(t)
		var out []string
		for _, r := range m["dag_runs"].([]any) {
			out = append(out, r.(map[string]any)["dag_run_id"].(string))
		}
		return out, m["total_entries"].(float64)
	}
	tests := []struct {
		path  string
		want  []string
		total float64
	}{
		{"/api/v2/dags/hello/dagRuns?limit=2&offset=1", []string{"p2", "p4"}, 4},
		{"/api/v2/dags/hello/dagRuns?limit=2&order_by=-logical_date", []string{"p6", "p4"}, 4},
		{"/api/v2/dags/broken/dagRuns?state=failed&limit=1&offset=2", []string{"p5"}, 3},
		{"/api/v2/dags/broken/dagRuns?state=success", nil, 0},
		{"/api/v2/dags/hello/dagRuns?limit=0", nil, 4},
		{"/api/v2/dags/~/dagRuns?limit=3&offset=1&order_by=-dag_run_id", []string{"p5", "p4", "p3"}, 7},
		{"/api/v2/dags/~/dagRuns?state=failed&order_by=dag_run_id", []string{"p1", "p3", "p5"}, 3},
		{"/api/v2/dags/hello/dagRuns?run_type=manual&limit=1&offset=3", []string{"p6"}, 4},
	}
	for _, tc := range tests {
		got, total := ids(tc.path)
		require.Equal(t, tc.want, got, tc.path)
		require.InDelta(t, tc.total, total, 0, tc.path)
	}
}
