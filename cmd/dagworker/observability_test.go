package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/redistest"
)

// TestObservabilityMetrics keeps deploy/observability/metrics.txt (the
// metrics the alert rules and the dashboard may use, see
// deploy/observability_test.go) true to the binary: it runs serve (the
// coordinator and a worker in one process) on a real Redis, scrapes
// /metrics once the coordinator has created a scheduled run, and checks
// that every listed metric is exported with its type and that every
// exported dagworker_* metric is listed.
func TestObservabilityMetrics(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	dir := t.TempDir()
	// catchup: false creates the latest interval's run at start.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "obs.yaml"), []byte(`
obs:
  schedule: "@hourly"
  start_date: 2026-01-01
  catchup: false
  default_args: {queue: `+env.Queue("obs-parked")+`}
  tasks:
    - {task_id: a, operator: noop}
`), 0o644))
	addr, lake := metricsFreeAddr(t), "file://"+filepath.ToSlash(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--redis-url", env.URL, "--key-prefix", env.Prefix, "--dags", dir,
			"--queues", env.Queue("obs") + ":1", "--blob-url", lake}, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	var body string
	waitUntil(t, 30*time.Second, "a scrape with the scheduled run", func() bool {
		code, b := metricsGet(t, "http://"+addr+"/metrics")
		body = b
		return code == 200 && strings.Contains(b, `dagworker_coordinator_runs_created_total{dag_id="obs",run_type="scheduled"} 1`) &&
			strings.Contains(b, "dagworker_task_tries_started_total{")
	})
	exported := map[string]string{}
	for line := range strings.SplitSeq(body, "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			exported[name] = typ
		}
	}

	f, err := os.Open(filepath.Join("..", "..", "deploy", "observability", "metrics.txt"))
	require.NoError(t, err)
	defer f.Close()
	listed := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, typ, _ := strings.Cut(line, " ")
		listed[name] = typ
	}
	require.NoError(t, sc.Err())

	var missing, unlisted []string
	for name, typ := range listed {
		if exported[name] != typ {
			missing = append(missing, name+" "+typ+" (exported: "+exported[name]+")")
		}
	}
	for name, typ := range exported {
		if _, ok := listed[name]; !ok && strings.HasPrefix(name, "dagworker_") {
			unlisted = append(unlisted, name+" "+typ)
		}
	}
	sort.Strings(missing)
	sort.Strings(unlisted)
	require.Empty(t, missing, "listed in deploy/observability/metrics.txt but not exported by serve")
	require.Empty(t, unlisted, "exported by serve but not listed in deploy/observability/metrics.txt")
}
