package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// The worker's --metrics-addr and the coordinator's HTTP server answer
// GET /metrics without credentials, with the queue depths and their roles'
// metrics.
func TestMetricsEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args func(dir, queue, addr string) []string
		want []string
	}{
		{"worker", func(dir, queue, addr string) []string {
			return []string{"worker", "--queues", queue, "--metrics-addr", addr}
		}, []string{`dagworker_task_tries_running{kind="dag",task_type="noop"} 0`, "go_goroutines "}},
		{"coordinator", func(dir, queue, addr string) []string {
			return []string{"coordinator", "--dags", dir, "--addr", addr}
		}, []string{"dagworker_coordinator_leader ", "dagworker_dag_import_errors 1", "go_goroutines "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := redistest.New(t)
			queue := env.Queue("metrics")
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("bad: [\n"), 0o644))
			client := asynq.NewClient(env.ConnOpt())
			t.Cleanup(func() { _ = client.Close() })
			_, err := client.Enqueue(asynq.NewTask("noop", nil), asynq.Queue(queue), asynq.ProcessIn(time.Hour))
			require.NoError(t, err)

			addr := metricsFreeAddr(t)
			args := append(tt.args(dir, queue, addr), "--redis-url", env.URL, "--key-prefix", env.Prefix)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- run(ctx, args, io.Discard, io.Discard) }()
			t.Cleanup(func() {
				cancel()
				require.NoError(t, <-done)
			})

			want := append(tt.want, `dagworker_queue_tasks{queue="`+queue+`",state="scheduled"} 1`,
				`dagworker_queue_tasks{queue="`+queue+`",state="pending"} 0`, "dagworker_queue_scrape_ok 1")
			// The HTTP server is up before the role has registered all its
			// series (a worker binds its try metrics when it starts serving):
			// wait until every wanted line is there, then check once more.
			var body string
			present := func() bool {
				for _, w := range want {
					if !strings.Contains(body, w) {
						return false
					}
				}
				return true
			}
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				if code, _ := metricsGet(t, "http://"+addr+"/healthz"); code == http.StatusOK {
					if code, body = metricsGet(t, "http://"+addr+"/metrics"); code == http.StatusOK && present() {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
			for _, w := range want {
				require.Contains(t, body, w)
			}
		})
	}
}

func metricsFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// metricsGet returns the status and body of a GET (0 when the server is not up yet).
func metricsGet(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, ""
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// A run triggered through the API of serve shows in the per-DAG series:
// runs created (manual, not only scheduled ones), the try and run outcomes,
// seconds since the last success, and the queue latency.
func TestPerDAGMetrics(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	queue := env.Queue("perdag")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.yaml"), []byte(`
perdag:
  default_args: {queue: `+queue+`}
  tasks:
    - {task_id: a, operator: noop}
`), 0o644))
	addr := metricsFreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--redis-url", env.URL, "--key-prefix", env.Prefix, "--dags", dir, "--addr", addr,
			"--api-open", "--queues", queue, "--blob-url", "mem://"}, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	waitUntil(t, 20*time.Second, "serve up", func() bool { code, _ := metricsGet(t, "http://"+addr+"/healthz"); return code == http.StatusOK })
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/api/v2/dags/perdag/dagRuns?wait=20s", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	require.Contains(t, string(b), `"state":"success"`)
	want := []string{
		`dagworker_runs_created_total{dag_id="perdag",run_type="manual"} 1`,
		`dagworker_dag_task_tries_total{dag_id="perdag",operator="noop",state="success",task_id="a"} 1`,
		`dagworker_dag_runs_finished_total{dag_id="perdag",state="success"} 1`,
		`dagworker_dag_run_duration_seconds_count{dag_id="perdag",state="success"} 1`,
		`dagworker_dag_seconds_since_last_success{dag_id="perdag"} `,
		`dagworker_queue_latency_seconds{queue="` + queue + `"} 0`,
	}
	var body string
	waitUntil(t, 10*time.Second, "the series", func() bool {
		_, body = metricsGet(t, "http://"+addr+"/metrics")
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false
			}
		}
		return true
	})
}

// Scrape, classify and render tasks run by serve show in their task type
// series.
func TestTaskTypeMetrics(t *testing.T) {
	t.Parallel()
	ctx, cancelSite := context.WithCancel(context.Background())
	t.Cleanup(cancelSite)
	site, err := demosite.Start(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = site.Close() })
	env := redistest.New(t)
	queue := env.Queue("types")
	dir := t.TempDir()
	// The nightly DAG's tasks, without its schedule.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "n.yaml"), []byte(`
types:
  default_args: {queue: `+queue+`}
  params: {sites: [], max_pages: 6}
  tasks:
    - {task_id: scrape, operator: scrape, urls: "{{ params.sites }}", max_pages: "{{ params.max_pages }}", allow_private: true}
    - {task_id: classify, operator: classify, dependencies: [scrape], model: demo-sentiment}
    - {task_id: report, operator: render, dependencies: [classify], title: Report}
`), 0o644))
	addr := metricsFreeAddr(t)
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(sctx, []string{"serve", "--redis-url", env.URL, "--key-prefix", env.Prefix, "--addr", addr,
			"--api-open", "--queues", queue, "--blob-url", "mem://", "--dags", dir, "--concurrency", "2"}, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	waitUntil(t, 20*time.Second, "serve up", func() bool { code, _ := metricsGet(t, "http://"+addr+"/healthz"); return code == http.StatusOK })
	body := `{"conf": {"sites": ["` + site.URL() + `/en/"]}}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/api/v2/dags/types/dagRuns?wait=60s", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	require.Contains(t, string(b), `"state":"success"`)
	_, m := metricsGet(t, "http://"+addr+"/metrics")
	for _, name := range []string{"dagworker_scrape_pages_fetched_total", "dagworker_classify_records_total", "dagworker_render_pages_total",
		"dagworker_classify_seconds_per_record_count"} {
		v := metricValue(t, m, name)
		require.Positive(t, v, name)
	}
	require.Zero(t, metricValue(t, m, "dagworker_classify_records_failed_total"))
	// The alert rules and the dashboard (deploy/observability) use only
	// series serve exposes.
	served := map[string]bool{}
	for _, l := range strings.Split(m, "\n") {
		if name, _, ok := strings.Cut(l, " "); ok && !strings.HasPrefix(l, "#") {
			name, _, _ = strings.Cut(name, "{")
			served[name] = true
		}
	}
	for _, name := range observabilityMetrics(t) {
		require.True(t, served[name], "deploy/observability uses %s, which serve does not expose", name)
	}
}

// metricValue is the value of the unlabelled series name in a text scrape.
func metricValue(t *testing.T, body, name string) float64 {
	t.Helper()
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err)
			return f
		}
	}
	t.Fatalf("no series %s", name)
	return 0
}
