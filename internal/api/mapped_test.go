package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMapIndexAndTryOperations: the operations Airflow addresses by
// map_index answer for -1 as their unmapped twins do, 404 for any other
// index and 422 for a non-integer; one try is found by number.
func TestMapIndexAndTryOperations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	trigger(t, b, "nightly_sites", "r1")
	trigger(t, b, "nightly_sites", "r2")
	b.be.finish("nightly_sites", "r1", RunSuccess)
	ti := "/api/v2/dags/nightly_sites/dagRuns/r1/taskInstances"
	tests := []struct {
		name, path string
		want       int
		detail     string
	}{
		{"mapped -1 is the task instance", ti + "/scrape/-1", 200, `"map_index":-1`},
		{"mapped other index", ti + "/scrape/3", 404, "The Mapped Task Instance with dag_id: `nightly_sites`, run_id: `r1`, task_id: `scrape`, and map_index: `3` was not found"},
		{"mapped non-integer", ti + "/scrape/abc", 422, `"loc":["path","map_index"]`},
		{"mapped unknown task", ti + "/nope/-1", 404, "map_index: `-1` was not found"},
		{"mapped tries", ti + "/scrape/-1/tries", 200, `"total_entries":1`},
		{"mapped tries other index", ti + "/scrape/2/tries", 404, "task_id: `scrape` and map_index: `2` was not found"},
		{"mapped tries non-integer", ti + "/scrape/x/tries", 422, "int_parsing"},
		{"try details", ti + "/scrape/tries/1", 200, `"try_number":1`},
		{"try details missing try", ti + "/scrape/tries/5", 404, "try_number: `5` and map_index: `-1` was not found"},
		{"try details non-integer", ti + "/scrape/tries/x", 422, `"loc":["path","task_try_number"]`},
		{"mapped try details", ti + "/scrape/-1/tries/1", 200, `"try_number":1`},
		{"mapped try details other index", ti + "/scrape/4/tries/1", 404, "try_number: `1` and map_index: `4` was not found"},
		{"dependencies of a finished task", ti + "/scrape/dependencies", 200, `{"dependencies":[]}`},
		{"dependencies by map index", ti + "/scrape/-1/dependencies", 200, `{"dependencies":[]}`},
		{"dependencies other index", ti + "/scrape/1/dependencies", 404, "map_index: `1` was not found"},
		{"dependencies of a queued run", "/api/v2/dags/nightly_sites/dagRuns/r2/taskInstances/report/dependencies", 200,
			`{"dependencies":[{"name":"Dagrun Running","reason":"Task instance's dagrun was not in the 'running' state but in the state 'queued'."}]}`},
		{"list mapped of a task the DAG lacks", ti + "/scrape/listMapped", 404, "Task id scrape not found"},
		{"links without a lake", ti + "/scrape/links", 200, `{"extra_links":{},"total_entries":0}`},
		{"links of a missing try", ti + "/scrape/links?try_number=9", 404, "TaskInstance try 9 not found"},
		{"links of an unknown task", ti + "/nope/links", 404, "TaskInstance not found"},
		{"logs keep their literal route", ti + "/scrape/logs/1", 200, "starting scrape"},
		{"unknown mapped sub-path", ti + "/scrape/-1/bogus", 404, "Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := b.req(t, "GET", tc.path, rd, nil)
			require.Equal(t, tc.want, res.status, "%s: %s", tc.path, res.body)
			require.Contains(t, string(res.body), tc.detail)
		})
	}
	require.Equal(t, 401, b.req(t, "GET", ti+"/scrape/-1/tries", "", nil).status)

	// PATCH by map index checks the index first (-1 is PATCH of the task
	// instance: TestEngineTaskDependencies).
	require.Equal(t, 404, b.req(t, "PATCH", ti+"/scrape/2/dry_run", trg, map[string]any{"new_state": "failed"}).status)
	require.Equal(t, 422, b.req(t, "PATCH", ti+"/scrape/z", trg, map[string]any{"new_state": "failed"}).status)
}

// TestEngineTaskDependencies: on a real engine, a task waiting for its
// upstream task names it; a running or finished one has no dependencies;
// the map_index -1 operations act on the task instance.
func TestEngineTaskDependencies(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 2, editDAGs).bundle
	res := b.req(t, "POST", "/api/v2/dags/slow/dagRuns", trg, map[string]any{"dag_run_id": "s1"})
	require.Equal(t, 200, res.status, string(res.body))
	slow := "/api/v2/dags/slow/dagRuns/s1/taskInstances"
	deadline := time.Now().Add(30 * time.Second)
	for b.req(t, "GET", slow+"/nap", rd, nil).json(t)["state"] != "running" {
		require.True(t, time.Now().Before(deadline), "nap did not start")
		time.Sleep(10 * time.Millisecond)
	}
	res = b.req(t, "GET", slow+"/after/dependencies", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.JSONEq(t, `{"dependencies":[{"name":"Trigger Rule",
		"reason":"Task's trigger rule 'all_success' requires its upstream tasks to have finished, but found 1 unfinished: {'nap'}."}]}`, string(res.body))
	res = b.req(t, "GET", slow+"/nap/-1/dependencies", rd, nil)
	require.JSONEq(t, `{"dependencies":[]}`, string(res.body))

	res = b.req(t, "GET", slow+"/nap/listMapped", rd, nil)
	require.Equal(t, 404, res.status)
	require.Contains(t, string(res.body), "Task id nap is not mapped")
	require.Contains(t, string(b.req(t, "GET", slow+"/bogus/listMapped", rd, nil).body), "Task id bogus not found")

	// PATCH .../nap/-1 is PATCH .../nap: the try ends, after runs.
	res = b.req(t, "PATCH", slow+"/nap/-1/dry_run", trg, map[string]any{"new_state": "success"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, []string{"nap"}, tiIDs(t, res))
	res = b.req(t, "PATCH", slow+"/nap/-1", trg, map[string]any{"new_state": "success"})
	require.Equal(t, 200, res.status, string(res.body))
	waitState(t, b, "/api/v2/dags/slow/dagRuns/s1", "success")
	res = b.req(t, "GET", slow+"/after/-1/tries/1", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "success", res.json(t)["state"])

	// With a data lake, the link is the run's outputs.
	res = b.req(t, "GET", slow+"/after/links", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.JSONEq(t, `{"extra_links":{"Outputs":"/api/dagworker/v1/outputs/slow/s1"},"total_entries":1}`, string(res.body))
}

// TestAsNotFound: only a 404 becomes the operation's own 404; an
// unreachable store stays what it is (503), not a missing task instance.
func TestAsNotFound(t *testing.T) {
	t.Parallel()
	own := httpErr(http.StatusNotFound, "own")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"an API 404", httpErr(http.StatusNotFound, "The DagRun with dag_id: `d` and run_id: `r` was not found"), own},
		{"a store's not found", fmt.Errorf("run d/r: %w", ErrNotFound), own},
		{"Redis unreachable", fmt.Errorf("read: %w", ErrUnavailable), nil},
		{"a 400", httpErr(http.StatusBadRequest, "bad"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := asNotFound(tc.err, own)
			if tc.want == nil {
				require.Same(t, tc.err, got)
				return
			}
			require.Same(t, tc.want, got)
		})
	}
}
