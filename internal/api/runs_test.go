package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func trigger(t *testing.T, b *bundle, dagID, runID string) {
	t.Helper()
	res := b.req(t, "POST", "/api/v2/dags/"+dagID+"/dagRuns", trg, map[string]any{"dag_run_id": runID, "logical_date": "2026-11-27T00:00:00Z"})
	require.Equal(t, 200, res.status, string(res.body))
}

func TestRuns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	trigger(t, b, "nightly_sites", "r1")
	trigger(t, b, "nightly_sites", "r2")
	trigger(t, b, "adhoc_report", "a1")
	b.be.finish("nightly_sites", "r1", RunSuccess)

	tests := []struct {
		path  string
		want  int
		total float64
	}{
		{"/api/v2/dags/nightly_sites/dagRuns", 200, 2},
		{"/api/v2/dags/~/dagRuns", 200, 3},
		{"/api/v2/dags/~/dagRuns?state=success", 200, 1},
		{"/api/v2/dags/~/dagRuns?state=queued&state=running", 200, 2},
		{"/api/v2/dags/~/dagRuns?run_type=scheduled", 200, 0},
		{"/api/v2/dags/~/dagRuns?logical_date_gte=2026-11-27T00:00:00Z&logical_date_lte=2026-11-27T00:00:00Z", 200, 3},
		{"/api/v2/dags/~/dagRuns?start_date_gte=2026-01-01T00:00:00Z", 200, 1},
		{"/api/v2/dags/~/dagRuns?limit=1&order_by=-dag_run_id", 200, 3},
		{"/api/v2/dags/~/dagRuns?logical_date_gte=never", 422, 0},
		// Airflow's LIKE patterns: % and _ wildcards, anywhere, any case.
		{"/api/v2/dags/~/dagRuns?dag_id_pattern=nightly", 200, 2},
		{"/api/v2/dags/~/dagRuns?dag_id_pattern=ADHOC%25report", 200, 1},
		{"/api/v2/dags/~/dagRuns?dag_id_pattern=none_such", 200, 0},
		{"/api/v2/dags/~/dagRuns?run_id_pattern=r_", 200, 2},
		{"/api/v2/dags/nightly_sites/dagRuns?run_id_pattern=2&limit=5", 200, 1},
		{"/api/v2/dags/nightly_sites/dagRuns?dag_id_pattern=adhoc", 200, 0},
		{"/api/v2/dags/nope/dagRuns", 404, 0},
		{"/api/v2/dags/nightly_sites/dagRuns/r1", 200, -1},
		{"/api/v2/dags/nightly_sites/dagRuns/nope", 404, -1},
		{"/api/v2/dags/nope/dagRuns/r1", 404, -1},
	}
	for _, tc := range tests {
		res := b.req(t, "GET", tc.path, rd, nil)
		require.Equal(t, tc.want, res.status, "%s: %s", tc.path, res.body)
		if tc.want == 200 && tc.total >= 0 {
			require.InDelta(t, tc.total, res.json(t)["total_entries"], 0, tc.path)
		}
	}
	top := b.req(t, "GET", "/api/v2/dags/~/dagRuns?limit=1&order_by=-dag_run_id", rd, nil).json(t)
	require.Equal(t, "r2", top["dag_runs"].([]any)[0].(map[string]any)["dag_run_id"])

	batch := b.req(t, "POST", "/api/v2/dags/~/dagRuns/list", rd, map[string]any{"dag_ids": []string{"nightly_sites"}, "states": []string{"success"}})
	require.Equal(t, 200, batch.status, string(batch.body))
	require.InDelta(t, 1, batch.json(t)["total_entries"], 0)

	run := b.req(t, "GET", "/api/v2/dags/nightly_sites/dagRuns/r1", rd, nil).json(t)
	require.Equal(t, "success", run["state"])
	require.InDelta(t, 2, run["duration"], 0.001)

	patched := b.req(t, "PATCH", "/api/v2/dags/nightly_sites/dagRuns/r2", trg, map[string]any{"state": "failed", "note": "stopped by hand"})
	require.Equal(t, 200, patched.status, string(patched.body))
	require.Equal(t, "failed", patched.json(t)["state"])
	require.Equal(t, "stopped by hand", patched.json(t)["note"])
	require.Equal(t, 422, b.req(t, "PATCH", "/api/v2/dags/nightly_sites/dagRuns/r2", trg, map[string]any{"state": "running"}).status)
	require.Equal(t, 404, b.req(t, "PATCH", "/api/v2/dags/nightly_sites/dagRuns/nope", trg, map[string]any{"state": "failed"}).status)
	require.Equal(t, 403, b.req(t, "DELETE", "/api/v2/dags/adhoc_report/dagRuns/a1", rd, nil).status)
	require.Equal(t, 204, b.req(t, "DELETE", "/api/v2/dags/adhoc_report/dagRuns/a1", trg, nil).status)
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dags/adhoc_report/dagRuns/a1", rd, nil).status)
	require.Equal(t, 404, b.req(t, "DELETE", "/api/v2/dags/adhoc_report/dagRuns/a1", trg, nil).status)
}

func TestWaitAndSensor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	base := "/api/v2/dags/nightly_sites/dagRuns"

	// Timeout: 202 with the Location of the run.
	res := b.req(t, "POST", base+"?wait=50ms", trg, map[string]any{"dag_run_id": "slow"})
	require.Equal(t, http.StatusAccepted, res.status, string(res.body))
	require.Equal(t, base+"/slow", res.header.Get("Location"))
	require.Equal(t, "queued", res.json(t)["state"])
	require.Equal(t, 404, b.req(t, "GET", base+"/slow/sensor", rd, nil).status, "unfinished run")

	// The run finishes while the request waits.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := b.be.Run(t.Context(), "nightly_sites", "fast"); err == nil {
				time.Sleep(20 * time.Millisecond)
				b.be.finish("nightly_sites", "fast", RunSuccess)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	res = b.req(t, "POST", base+"?wait=60s", trg, map[string]any{"dag_run_id": "fast"})
	<-done
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "success", res.json(t)["state"])

	sensor := b.req(t, "GET", base+"/fast/sensor", rd, nil)
	require.Equal(t, 200, sensor.status, string(sensor.body))
	var body SensorResponse
	require.NoError(t, json.Unmarshal(sensor.body, &body))
	require.Equal(t, RunSuccess, RunState(body.State))
	require.JSONEq(t, `{"uri":"file://data/runs/scrape.jsonl","size":12}`, string(body.Outputs["scrape"]))

	b.be.finish("nightly_sites", "slow", RunFailed)
	require.Equal(t, http.StatusFailedDependency, b.req(t, "GET", base+"/slow/sensor", rd, nil).status)
	require.Equal(t, 404, b.req(t, "GET", base+"/nope/sensor", rd, nil).status)
	require.Equal(t, 401, b.req(t, "GET", base+"/slow/sensor", "", nil).status)
}

func TestTaskInstances(t *testing.T) {
	t.Parallel()
	b := setup(t)
	trigger(t, b, "nightly_sites", "r1")
	trigger(t, b, "nightly_sites", "r2")
	b.be.finish("nightly_sites", "r1", RunFailed)
	ti := "/api/v2/dags/nightly_sites/dagRuns/r1/taskInstances"

	tests := []struct {
		path  string
		want  int
		total float64
	}{
		{ti, 200, 2},
		{ti + "?state=failed", 200, 2},
		{"/api/v2/dags/nightly_sites/dagRuns/r2/taskInstances?state=no_status", 200, 1},
		{"/api/v2/dags/~/dagRuns/~/taskInstances", 200, 4},
		{"/api/v2/dags/nightly_sites/dagRuns/~/taskInstances?task_id=scrape", 200, 2},
		{"/api/v2/dags/nightly_sites/dagRuns/nope/taskInstances", 404, 0},
		{ti + "/scrape", 200, -1},
		{ti + "/nope", 404, -1},
		{ti + "/scrape/tries", 200, 1},
		{ti + "/scrape/logs/1", 200, -1},
		{ti + "/scrape/logs/7", 404, -1},
		{ti + "/scrape/logs/x", 422, -1},
		{ti + "/scrape/xcomEntries", 200, 1},
		{ti + "/scrape/xcomEntries/return_value", 200, -1},
		{ti + "/scrape/xcomEntries/return_value?stringify=false", 200, -1},
		{ti + "/scrape/xcomEntries/other", 404, -1},
		{"/api/v2/dags/nightly_sites/dagRuns/r2/taskInstances/report/xcomEntries/return_value", 404, -1},
	}
	for _, tc := range tests {
		res := b.req(t, "GET", tc.path, rd, nil)
		require.Equal(t, tc.want, res.status, "%s: %s", tc.path, res.body)
		if tc.want == 200 && tc.total >= 0 {
			require.InDelta(t, tc.total, res.json(t)["total_entries"], 0, tc.path)
		}
	}
	got := b.req(t, "GET", ti+"/scrape", rd, nil).json(t)
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, got["id"])
	require.InDelta(t, -1, got["map_index"], 0)
	require.Equal(t, "default_pool", got["pool"])

	logs := b.req(t, "GET", ti+"/scrape/logs/1", rd, nil).json(t)
	require.Equal(t, "starting scrape", logs["content"].([]any)[0].(map[string]any)["event"])
	str := b.req(t, "GET", ti+"/scrape/xcomEntries/return_value", rd, nil).json(t)
	require.IsType(t, "", str["value"])
	native := b.req(t, "GET", ti+"/scrape/xcomEntries/return_value?stringify=false", rd, nil).json(t)
	require.Equal(t, "file://data/runs/scrape.jsonl", native["value"].(map[string]any)["uri"])

	batch := b.req(t, "POST", "/api/v2/dags/~/dagRuns/~/taskInstances/list", rd, map[string]any{"dag_run_ids": []string{"r2"}, "task_ids": []string{"report"}})
	require.Equal(t, 200, batch.status, string(batch.body))
	require.InDelta(t, 1, batch.json(t)["total_entries"], 0)

	// Clear: dry run lists, the real one reruns the failed tasks.
	dry := b.req(t, "POST", "/api/v2/dags/nightly_sites/dagRuns/r1/clear", trg, map[string]any{"only_failed": true})
	require.Equal(t, 200, dry.status, string(dry.body))
	require.InDelta(t, 2, dry.json(t)["total_entries"], 0)
	cleared := b.req(t, "POST", "/api/v2/dags/nightly_sites/dagRuns/r1/clear", trg, map[string]any{"dry_run": false, "only_failed": true})
	require.Equal(t, 200, cleared.status, string(cleared.body))
	require.Equal(t, "queued", cleared.json(t)["state"])
	again := b.req(t, "GET", ti+"/scrape", rd, nil).json(t)
	require.InDelta(t, 2, again["try_number"], 0)
	require.Equal(t, 403, b.req(t, "POST", "/api/v2/dags/nightly_sites/dagRuns/r1/clear", rd, map[string]any{}).status)
	require.Equal(t, 404, b.req(t, "POST", "/api/v2/dags/nightly_sites/dagRuns/nope/clear", trg, map[string]any{}).status)
}

func TestAdHocTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	done := b.req(t, "POST", "/api/dagworker/v1/tasks", trg, map[string]any{"type": "echo", "args": map[string]any{"x": 1}, "wait": "5s"})
	require.Equal(t, 200, done.status, string(done.body))
	got := done.json(t)
	require.Equal(t, "success", got["state"])
	require.Equal(t, "file://data/adhoc/t1", got["output_uri"])
	require.Equal(t, "/api/dagworker/v1/tasks/t1", done.header.Get("Location"))

	queued := b.req(t, "POST", "/api/dagworker/v1/tasks?wait=20ms", trg, map[string]any{"type": "scrape", "queue": "scrape"})
	require.Equal(t, 201, queued.status, string(queued.body))
	require.Equal(t, "queued", queued.json(t)["state"])

	tests := []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/api/dagworker/v1/tasks/t1", nil, 200},
		{"GET", "/api/dagworker/v1/tasks/nope", nil, 404},
		{"POST", "/api/dagworker/v1/tasks", map[string]any{}, 422},
		{"POST", "/api/dagworker/v1/tasks", map[string]any{"type": "echo", "args": []int{1}}, 422},
		{"POST", "/api/dagworker/v1/tasks", `{"type": "echo",`, 422},
		{"POST", "/api/dagworker/v1/tasks", map[string]any{"type": "echo", "args": map[string]string{"a": strings.Repeat("x", 5000)}}, 413},
	}
	for _, tc := range tests {
		res := b.req(t, tc.method, tc.path, trg, tc.body)
		require.Equal(t, tc.want, res.status, "%s %s: %s", tc.method, tc.path, res.body)
	}

	noRunner := setup(t, func(c *Config) { c.Runner = nil })
	require.Equal(t, 501, noRunner.req(t, "POST", "/api/dagworker/v1/tasks", trg, map[string]any{"type": "echo"}).status)
}
