package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/api"
	"github.com/dagworker/dagworker/internal/apiengine"
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
)

// benchDAG is a 50-task DAG in five layers of ten, two of them task groups,
// each task depending on the one before it and on the one ten back.
func benchDAG() string {
	var b strings.Builder
	b.WriteString("wide:\n  max_active_runs: 2000\n  task_groups:\n    - group_name: extract\n    - group_name: load\n  tasks:\n")
	for i := range 50 {
		fmt.Fprintf(&b, "    - task_id: t%02d\n      operator: noop\n", i)
		switch i / 10 {
		case 1:
			b.WriteString("      task_group_name: extract\n")
		case 3:
			b.WriteString("      task_group_name: load\n")
		}
		var deps []string
		if i%10 > 0 {
			deps = append(deps, fmt.Sprintf("t%02d", i-1))
		}
		if i >= 10 {
			deps = append(deps, fmt.Sprintf("t%02d", i-10))
		}
		if len(deps) > 0 {
			fmt.Fprintf(&b, "      dependencies: [%s]\n", strings.Join(deps, ", "))
		}
	}
	return b.String()
}

// BenchmarkDAGPage renders the DAG page (grid of the latest 25 runs × 50
// tasks, graph, source, trigger form) of a DAG with 1,000 runs in a real
// Redis, the newest 25 of them run to the end. Goal: under 300 ms.
func BenchmarkDAGPage(b *testing.B) {
	env := redistest.New(b)
	ctx := context.Background()
	st, err := runstore.New(runstore.Config{Client: env.Client(), KeyPrefix: env.Prefix})
	require.NoError(b, err)
	client := asynq.NewClient(env.ConnOpt())
	b.Cleanup(func() { _ = client.Close() })
	eng, err := engine.New(engine.Config{Store: st, Client: client, DefaultQueue: env.Queue("bench")})
	require.NoError(b, err)
	dir := b.TempDir()
	src := benchDAG()
	file := filepath.Join(dir, "wide.yaml")
	require.NoError(b, os.WriteFile(file, []byte(src), 0o644))
	ds, _, err := dag.Parse(file, []byte(src), dag.Options{})
	require.NoError(b, err)
	d := ds[0]
	require.Len(b, d.Tasks, 50)

	const runs, finished = 1000, 25
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range runs {
		id := fmt.Sprintf("r%04d", i)
		_, err := eng.CreateRun(ctx, d, engine.RunOptions{RunID: id, RunType: runstore.RunScheduled, LogicalDate: base.Add(time.Duration(i) * time.Hour)})
		require.NoError(b, err)
		if i < runs-finished {
			continue
		}
		for _, t := range d.Tasks { // topological order
			_, err := st.StartTry(ctx, d.ID, id, t.ID, 1, "bench-host")
			require.NoError(b, err)
			_, err = st.Complete(ctx, runstore.Completion{DagID: d.ID, RunID: id, TaskID: t.ID, Try: 1, Outcome: runstore.OutcomeSuccess})
			require.NoError(b, err)
		}
	}

	be := &apiengine.EngineBackend{Engine: eng, Folder: func() []*dag.DAG { return ds }}
	cfg := api.EngineConfig(be)
	cfg.Tokens = []api.Token{{Token: readTok, Scope: api.ScopeRead}}
	srv, err := api.New(cfg)
	require.NoError(b, err)
	web, err := New(Config{Auth: srv, DAGs: be, Details: be, Pauses: be, Runs: be, Editor: be, Tasks: be})
	require.NoError(b, err)
	render := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/dags/wide", nil)
		req.Header.Set("Authorization", "Bearer "+readTok)
		rec := httptest.NewRecorder()
		web.ServeHTTP(rec, req)
		return rec
	}
	first := render()
	require.Equal(b, http.StatusOK, first.Code, first.Body.String())
	body := first.Body.String()
	require.Equal(b, 25, strings.Count(body, `class="sq run"`), "25 runs in the grid")
	require.Equal(b, 25*(50+2), strings.Count(body, `data-state="success" title="success"`), "the finished runs: 50 tasks and 2 groups")
	require.Contains(b, body, "25 of 1000 run(s)")
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if rec := render(); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/render")
	b.ReportMetric(float64(first.Body.Len())/1024, "page_KiB")
}
