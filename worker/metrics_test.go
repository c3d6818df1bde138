package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/dagworker/dagworker/worker/metrics"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

const metricsDAG = `
m:
  tasks:
    - task_id: a
      operator: ok
    - task_id: b
      operator: ok
      dependencies: [a]
    - task_id: p
      operator: boom
    - task_id: r
      operator: fail
      retries: 1
      retry_delay: 1s
`

// Tries through a real worker and engine on Redis show up, with the queue
// depths, in a /metrics scrape over HTTP.
func TestWorkerMetricsOverHTTP(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	queue := env.Queue("m")
	reg := prometheus.NewRegistry()
	w, err := worker.New(worker.Config{Redis: env.ConnOpt(), KeyPrefix: env.Prefix, Concurrency: 4,
		Queues: map[string]int{queue: 1}, Metrics: reg})
	require.NoError(t, err)
	_, err = worker.New(worker.Config{Redis: env.ConnOpt(), Metrics: reg})
	require.ErrorIs(t, err, worker.ErrConfig, "a second worker on the same registry")
	handlers := map[string]tasks.HandlerFunc{
		"ok":   func(context.Context, *tasks.Task) (any, error) { return "done", nil },
		"boom": func(context.Context, *tasks.Task) (any, error) { panic("boom") },
		"fail": func(context.Context, *tasks.Task) (any, error) { return nil, errors.New("no luck") },
	}
	for name, h := range handlers {
		require.NoError(t, w.Handle(name, h))
	}
	insp := asynq.NewInspector(env.ConnOpt())
	t.Cleanup(func() { _ = insp.Close() })
	parked := env.Queue("parked")
	qc, err := metrics.NewQueueCollector(metrics.QueueCollectorConfig{Inspector: insp, Queues: []string{queue, parked}})
	require.NoError(t, err)
	require.NoError(t, reg.Register(qc))

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	// A DAG run: a, b succeed; p panics; r fails, is retried, fails.
	rdb := env.Client()
	store, err := runstore.New(runstore.Config{Client: rdb, KeyPrefix: env.Prefix})
	require.NoError(t, err)
	client := asynq.NewClientFromRedisClient(rdb)
	eng, err := engine.New(engine.Config{Store: store, Client: client, DefaultQueue: queue})
	require.NoError(t, err)
	dags, _, err := dag.Parse("m.yaml", []byte(metricsDAG), dag.Options{})
	require.NoError(t, err)
	_, err = eng.CreateRun(t.Context(), dags[0], engine.RunOptions{RunID: "run1"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		run, err := store.GetRun(t.Context(), "m", "run1")
		return err == nil && run.State.Finished()
	}, 20*time.Second, 10*time.Millisecond)

	// Ad-hoc tasks: one succeeds, one panics (no retries: archived); two
	// tasks wait in a queue no worker serves (pending, scheduled).
	for _, tc := range []struct {
		typ  string
		opts []asynq.Option
	}{
		{"ok", []asynq.Option{asynq.Queue(queue), asynq.Retention(time.Hour)}},
		{"boom", []asynq.Option{asynq.Queue(queue), asynq.MaxRetry(0)}},
		{"ok", []asynq.Option{asynq.Queue(parked)}},
		{"ok", []asynq.Option{asynq.Queue(parked), asynq.ProcessIn(time.Hour)}},
	} {
		_, err := client.EnqueueContext(t.Context(), asynq.NewTask(tc.typ, json.RawMessage(`{}`)), tc.opts...)
		require.NoError(t, err)
	}

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	var mfs map[string]*dto.MetricFamily
	require.Eventually(t, func() bool {
		mfs = scrape(t, srv.URL)
		return value(mfs, "dagworker_queue_tasks", "queue", queue, "state", "archived") == 1 &&
			value(mfs, "dagworker_task_tries_finished_total", "kind", "adhoc", "task_type", "ok", "state", "success") == 1 &&
			// asynq may archive the task before the handler's metrics are recorded.
			value(mfs, "dagworker_task_tries_finished_total", "kind", "adhoc", "task_type", "boom", "state", "failed") == 1
	}, 10*time.Second, 20*time.Millisecond)

	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"dagworker_task_tries_started_total", []string{"kind", "dag", "task_type", "ok"}, 2},
		{"dagworker_task_tries_started_total", []string{"kind", "dag", "task_type", "boom"}, 1},
		{"dagworker_task_tries_started_total", []string{"kind", "dag", "task_type", "fail"}, 2},
		{"dagworker_task_tries_finished_total", []string{"kind", "dag", "task_type", "ok", "state", "success"}, 2},
		{"dagworker_task_tries_finished_total", []string{"kind", "dag", "task_type", "boom", "state", "failed"}, 1},
		{"dagworker_task_tries_finished_total", []string{"kind", "dag", "task_type", "fail", "state", "up_for_retry"}, 1},
		{"dagworker_task_tries_finished_total", []string{"kind", "dag", "task_type", "fail", "state", "failed"}, 1},
		{"dagworker_task_tries_finished_total", []string{"kind", "dag", "task_type", "ok", "state", "skipped"}, 0},
		{"dagworker_task_panics_total", []string{"kind", "dag", "task_type", "boom"}, 1},
		{"dagworker_task_panics_total", []string{"kind", "dag", "task_type", "ok"}, 0},
		{"dagworker_task_tries_running", []string{"kind", "dag", "task_type", "ok"}, 0},
		{"dagworker_task_try_duration_seconds", []string{"kind", "dag", "task_type", "ok"}, 2},
		{"dagworker_task_try_duration_seconds", []string{"kind", "dag", "task_type", "fail"}, 2},
		{"dagworker_task_completion_duration_seconds", nil, 5},
		{"dagworker_task_tries_started_total", []string{"kind", "adhoc", "task_type", "ok"}, 1},
		{"dagworker_task_tries_finished_total", []string{"kind", "adhoc", "task_type", "boom", "state", "failed"}, 1},
		{"dagworker_task_panics_total", []string{"kind", "adhoc", "task_type", "boom"}, 1},
		{"dagworker_task_try_duration_seconds", []string{"kind", "adhoc", "task_type", "ok"}, 1},
		{"dagworker_queue_tasks", []string{"queue", queue, "state", "pending"}, 0},
		{"dagworker_queue_tasks", []string{"queue", queue, "state", "archived"}, 1},
		{"dagworker_queue_tasks", []string{"queue", parked, "state", "pending"}, 1},
		{"dagworker_queue_tasks", []string{"queue", parked, "state", "scheduled"}, 1},
		{"dagworker_queue_tasks", []string{"queue", parked, "state", "active"}, 0},
		{"dagworker_queue_scrape_ok", nil, 1},
		{"dagworker_queue_latency_seconds", []string{"queue", parked}, -2}, // present: checked below
		{"dagworker_dag_task_tries_total", []string{"dag_id", "m", "task_id", "a", "operator", "ok", "state", "success"}, 1},
		{"dagworker_dag_task_tries_total", []string{"dag_id", "m", "task_id", "r", "operator", "fail", "state", "up_for_retry"}, 1},
		{"dagworker_dag_task_tries_total", []string{"dag_id", "m", "task_id", "r", "operator", "fail", "state", "failed"}, 1},
		{"dagworker_dag_task_try_duration_seconds", []string{"dag_id", "m", "task_id", "b", "operator", "ok"}, 1},
		{"dagworker_dag_runs_finished_total", []string{"dag_id", "m", "state", "failed"}, 1},
		{"dagworker_dag_run_duration_seconds", []string{"dag_id", "m", "state", "failed"}, 1},
	}
	for _, tt := range tests {
		if tt.want == -2 {
			require.GreaterOrEqual(t, value(mfs, tt.name, tt.labels...), 0.0, "%s%v", tt.name, tt.labels)
			continue
		}
		require.Equal(t, tt.want, value(mfs, tt.name, tt.labels...), "%s%v", tt.name, tt.labels)
	}
}

// The per-DAG series are capped: pairs past MaxSeries count as "_other".
func TestDAGMetricsCardinalityCap(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	d, err := metrics.NewDAGs(reg, 2)
	require.NoError(t, err)
	for _, task := range []string{"a", "b", "c", "d", "a"} {
		d.Try("x", task, "noop", "success", time.Millisecond)
	}
	for _, dag := range []string{"x", "y", "z"} {
		d.RunFinished(dag, "success", time.Second)
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	mfs := scrape(t, srv.URL)
	require.Equal(t, 2.0, value(mfs, "dagworker_dag_task_tries_total", "dag_id", "x", "task_id", "a", "operator", "noop", "state", "success"))
	require.Equal(t, 2.0, value(mfs, "dagworker_dag_task_tries_total", "dag_id", metrics.Other, "task_id", metrics.Other, "operator", "noop", "state", "success"))
	require.Len(t, mfs["dagworker_dag_task_tries_total"].GetMetric(), 3, "two pairs and _other")
	require.Equal(t, 1.0, value(mfs, "dagworker_dag_runs_finished_total", "dag_id", metrics.Other, "state", "success"))
	_, err = metrics.NewDAGs(prometheus.NewRegistry(), -1)
	require.ErrorIs(t, err, metrics.ErrConfig)
}

// scrape GETs url and parses the text exposition.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return mfs
}

// value is the series of name with the label pairs (all its labels): a
// counter's or gauge's value, a histogram's sample count; -1 if absent.
func value(mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	mf, ok := mfs[name]
	if !ok {
		return -1
	}
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel())*2 != len(labels) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			found := false
			for i := 0; i+1 < len(labels); i += 2 {
				found = found || (labels[i] == l.GetName() && labels[i+1] == l.GetValue())
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}
