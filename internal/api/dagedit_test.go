package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const dagEditDAGs = `
keep_a:
  tags: [keep]
  tasks:
    - task_id: a
      operator: echo
      msg: one
keep_b:
  tags: [keep]
  tasks:
    - task_id: a
      operator: noop
other:
  tasks:
    - task_id: nap
      operator: sleep
      duration: 1h
`

// TestEngineDeleteAndPatchDAGs: DELETE /dags/{id} removes the runs and the
// paused flag and keeps the DAG; PATCH /dags pauses what the filters select.
func TestEngineDeleteAndPatchDAGs(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, dagEditDAGs).bundle

	res := b.req(t, "PATCH", "/api/v2/dags?dag_id_pattern=keep%25", trg, map[string]any{"is_paused": true})
	require.Equal(t, 200, res.status, string(res.body))
	require.InDelta(t, 2, res.json(t)["total_entries"], 0)
	for _, d := range res.json(t)["dags"].([]any) {
		require.Equal(t, true, d.(map[string]any)["is_paused"])
	}
	require.Equal(t, true, b.req(t, "GET", "/api/v2/dags/keep_b", rd, nil).json(t)["is_paused"])
	require.Equal(t, false, b.req(t, "GET", "/api/v2/dags/other", rd, nil).json(t)["is_paused"], "not selected")
	res = b.req(t, "PATCH", "/api/v2/dags?tags=keep&limit=1", trg, map[string]any{"is_paused": false})
	require.Equal(t, 200, res.status, string(res.body))
	require.Len(t, res.json(t)["dags"].([]any), 1, "one page")
	require.InDelta(t, 2, res.json(t)["total_entries"], 0)
	require.Equal(t, false, b.req(t, "GET", "/api/v2/dags/keep_a", rd, nil).json(t)["is_paused"])
	require.Equal(t, true, b.req(t, "GET", "/api/v2/dags/keep_b", rd, nil).json(t)["is_paused"])
	require.Equal(t, 400, b.req(t, "PATCH", "/api/v2/dags?update_mask=tags", trg, map[string]any{"is_paused": true}).status)
	require.Equal(t, 422, b.req(t, "PATCH", "/api/v2/dags", trg, map[string]any{}).status)
	require.Equal(t, 403, b.req(t, "PATCH", "/api/v2/dags", rd, map[string]any{"is_paused": true}).status)

	// Delete: runs go, the DAG stays, its paused flag is the default again.
	for _, id := range []string{"x1", "x2"} {
		res = b.req(t, "POST", "/api/v2/dags/keep_b/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": id})
		require.Equal(t, "success", res.json(t)["state"], string(res.body))
	}
	require.Equal(t, 204, b.req(t, "DELETE", "/api/v2/dags/keep_b", trg, nil).status)
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dags/keep_b/dagRuns/x1", rd, nil).status)
	res = b.req(t, "GET", "/api/v2/dags/keep_b/dagRuns", rd, nil)
	require.InDelta(t, 0, res.json(t)["total_entries"], 0, string(res.body))
	require.Equal(t, false, b.req(t, "GET", "/api/v2/dags/keep_b", rd, nil).json(t)["is_paused"], "the flag is gone")
	require.Equal(t, 404, b.req(t, "DELETE", "/api/v2/dags/nope", trg, nil).status)
	// The same run id runs again after the delete.
	res = b.req(t, "POST", "/api/v2/dags/keep_b/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "x1"})
	require.Equal(t, "success", res.json(t)["state"], string(res.body))

	// A running task instance: 409, nothing deleted.
	res = b.req(t, "POST", "/api/v2/dags/other/dagRuns", trg, map[string]any{"dag_run_id": "o1"})
	require.Equal(t, 200, res.status, string(res.body))
	deadline := time.Now().Add(30 * time.Second)
	for b.req(t, "GET", "/api/v2/dags/other/dagRuns/o1/taskInstances/nap", rd, nil).json(t)["state"] != "running" {
		require.True(t, time.Now().Before(deadline), "nap did not start")
		time.Sleep(10 * time.Millisecond)
	}
	res = b.req(t, "DELETE", "/api/v2/dags/other", trg, nil)
	require.Equal(t, 409, res.status, string(res.body))
	require.Contains(t, string(res.body), "are still running")
	require.Equal(t, 200, b.req(t, "GET", "/api/v2/dags/other/dagRuns/o1", rd, nil).status)
	require.Equal(t, 200, b.req(t, "PATCH", "/api/v2/dags/other/dagRuns/o1", trg, map[string]any{"state": "failed"}).status)
	require.Equal(t, 204, b.req(t, "DELETE", "/api/v2/dags/other", trg, nil).status)

	res = b.req(t, "GET", "/api/v2/eventLogs?event=delete_dag", rd, nil)
	require.InDelta(t, 2, res.json(t)["total_entries"], 0, string(res.body))
	res = b.req(t, "GET", "/api/v2/eventLogs?event=patch_dags", rd, nil)
	require.Equal(t, "dag_ids=keep_a,keep_b is_paused=true", res.json(t)["event_logs"].([]any)[0].(map[string]any)["extra"])
}
