package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const editDAGs = `
chain:
  tasks:
    - task_id: a
      operator: fail
    - task_id: b
      operator: noop
      dependencies: [a]
    - task_id: c
      operator: noop
      dependencies: [b]
    - task_id: d
      operator: noop
slow:
  tasks:
    - task_id: nap
      operator: sleep
      duration: 1h
    - task_id: after
      operator: noop
      dependencies: [nap]
`

func tiIDs(t *testing.T, res resp) []string {
	t.Helper()
	var out []string
	for _, ti := range res.json(t)["task_instances"].([]any) {
		out = append(out, ti.(map[string]any)["task_id"].(string))
	}
	return out
}

// TestEnginePatchTaskInstance: PATCH of a task instance's state as
// Airflow's set_task_instance_state, on a finished and on a running run.
func TestEnginePatchTaskInstance(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, editDAGs).bundle
	base := "/api/v2/dags/chain/dagRuns/"
	ti := func(run, task string) map[string]any {
		return b.req(t, "GET", base+run+"/taskInstances/"+task, rd, nil).json(t)
	}
	for _, run := range []string{"r1", "r2"} {
		res := b.req(t, "POST", "/api/v2/dags/chain/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": run})
		require.Equal(t, "failed", res.json(t)["state"], string(res.body))
	}
	require.Equal(t, "upstream_failed", ti("r1", "c")["state"])

	// The dry run lists what would change and changes nothing.
	res := b.req(t, "PATCH", base+"r1/taskInstances/a/dry_run", trg, map[string]any{"new_state": "success", "include_downstream": true})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, []string{"a", "b", "c"}, tiIDs(t, res))
	require.Equal(t, "failed", ti("r1", "a")["state"])

	// Bad input.
	res = b.req(t, "PATCH", base+"r1/taskInstances/a", trg, map[string]any{"new_state": "running"})
	require.Equal(t, 422, res.status, string(res.body))
	res = b.req(t, "PATCH", base+"r1/taskInstances/nope", trg, map[string]any{"new_state": "success"})
	require.Equal(t, 404, res.status, string(res.body))
	res = b.req(t, "PATCH", base+"r1/taskInstances/d", trg, map[string]any{"new_state": "success"})
	require.Equal(t, 409, res.status, "d is success already: %s", res.body)
	require.Contains(t, string(res.body), "Task id d is already in success state")

	// Marking the failed task success clears its failed downstream tasks:
	// they run and the run ends success.
	res = b.req(t, "PATCH", base+"r1/taskInstances/a", trg, map[string]any{"new_state": "success"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, []string{"a"}, tiIDs(t, res))
	require.Equal(t, "success", res.json(t)["task_instances"].([]any)[0].(map[string]any)["state"])
	waitState(t, b, base+"r1", "success")
	require.Equal(t, "success", ti("r1", "c")["state"])
	require.Equal(t, "failed", ti("r2", "a")["state"], "another run is not touched")

	// include_future from r1 reaches r2 (a later logical... run after).
	res = b.req(t, "PATCH", base+"r2/taskInstances/d", trg, map[string]any{"new_state": "skipped"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "skipped", ti("r2", "d")["state"])
	require.Equal(t, "failed", b.req(t, "GET", base+"r2", rd, nil).json(t)["state"], "a finished run keeps its state")

	// A running run: the sleeping task marked success ends its try, the
	// downstream task runs, the run ends success.
	res = b.req(t, "POST", "/api/v2/dags/slow/dagRuns", trg, map[string]any{"dag_run_id": "s1"})
	require.Equal(t, 200, res.status, string(res.body))
	slow := "/api/v2/dags/slow/dagRuns/s1"
	deadline := time.Now().Add(30 * time.Second)
	for b.req(t, "GET", slow+"/taskInstances/nap", rd, nil).json(t)["state"] != "running" {
		require.True(t, time.Now().Before(deadline), "nap did not start")
		time.Sleep(10 * time.Millisecond)
	}
	res = b.req(t, "PATCH", slow+"/taskInstances/nap", trg, map[string]any{"new_state": "success"})
	require.Equal(t, 200, res.status, string(res.body))
	waitState(t, b, slow, "success")
	require.Equal(t, "success", b.req(t, "GET", slow+"/taskInstances/after", rd, nil).json(t)["state"])

	// The event log says who did it.
	res = b.req(t, "GET", "/api/v2/eventLogs?event=patch_task_instance&order_by=-event_log_id", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	logs := res.json(t)["event_logs"].([]any)
	require.Len(t, logs, 3)
	last := logs[0].(map[string]any)
	require.Equal(t, "s1", last["run_id"])
	require.Equal(t, "nap", last["task_id"])
	require.Equal(t, "token", last["owner"])
	require.Equal(t, "new_state=success", last["extra"])
	id := int(last["event_log_id"].(float64))
	res = b.req(t, "GET", fmt.Sprintf("/api/v2/eventLogs/%d", id), rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "patch_task_instance", res.json(t)["event"])
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/eventLogs/999999", rd, nil).status)
	require.Equal(t, 422, b.req(t, "GET", "/api/v2/eventLogs/abc", rd, nil).status)
	res = b.req(t, "GET", "/api/v2/eventLogs?event=trigger_dag_run", rd, nil)
	require.InDelta(t, 3, res.json(t)["total_entries"], 0, "three triggers: %s", res.body)
}

// TestEngineClearTaskInstances: POST clearTaskInstances as Airflow's.
func TestEngineClearTaskInstances(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, editDAGs).bundle
	base := "/api/v2/dags/chain/dagRuns/r1"
	res := b.req(t, "POST", "/api/v2/dags/chain/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "r1"})
	require.Equal(t, "failed", res.json(t)["state"], string(res.body))
	clear := "/api/v2/dags/chain/clearTaskInstances"

	// dry_run and only_failed default to true.
	res = b.req(t, "POST", clear, trg, map[string]any{"dag_run_id": "r1"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, []string{"a", "b", "c"}, tiIDs(t, res))
	require.Equal(t, "failed", b.req(t, "GET", base+"/taskInstances/a", rd, nil).json(t)["state"])

	// Exactly the task asked, without its downstream.
	res = b.req(t, "POST", clear, trg, map[string]any{"dag_run_id": "r1", "dry_run": false, "only_failed": false, "task_ids": []any{"d"}})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, []string{"d"}, tiIDs(t, res))
	waitState(t, b, base, "failed")
	d := b.req(t, "GET", base+"/taskInstances/d", rd, nil).json(t)
	require.Equal(t, "success", d["state"])
	require.InDelta(t, 2, d["try_number"], 0, "d ran again")
	require.Equal(t, "upstream_failed", b.req(t, "GET", base+"/taskInstances/b", rd, nil).json(t)["state"], "b was not cleared")

	// With downstream, across the runs of a date range (no dag_run_id).
	res = b.req(t, "POST", clear, trg, map[string]any{"dry_run": true, "task_ids": []any{[]any{"b", -1}}, "include_downstream": true})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, []string{"b", "c"}, tiIDs(t, res))

	require.Equal(t, 404, b.req(t, "POST", clear, trg, map[string]any{"dag_run_id": "nope"}).status)
	require.Equal(t, 404, b.req(t, "POST", "/api/v2/dags/nope/clearTaskInstances", trg, map[string]any{}).status)
	require.Equal(t, 422, b.req(t, "POST", clear, trg, map[string]any{"task_ids": []any{3}}).status)
	require.Equal(t, 403, b.req(t, "POST", clear, rd, map[string]any{}).status)
	res = b.req(t, "GET", "/api/v2/eventLogs?event=post_clear_task_instances", rd, nil)
	require.InDelta(t, 3, res.json(t)["total_entries"], 0, "every successful call is recorded, as Airflow's action log does: %s", res.body)
	require.Equal(t, "task_ids=d", res.json(t)["event_logs"].([]any)[1].(map[string]any)["extra"], "the clear that cleared says what")
}
