package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const patchDAGs = `
pair:
  tasks:
    - task_id: a
      operator: echo
      msg: one
    - task_id: b
      operator: noop
      dependencies: [a]
broken:
  tasks:
    - task_id: boom
      operator: fail
slow:
  tasks:
    - task_id: nap
      operator: sleep
      duration: 1h
    - task_id: after
      operator: noop
      dependencies: [nap]
`

// waitState polls a run until it has state.
func waitState(t *testing.T, b *bundle, path, state string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		run := b.req(t, "GET", path, rd, nil).json(t)
		if run["state"] == state {
			return run
		}
		require.True(t, time.Now().Before(deadline), "%s: state %v, want %s", path, run["state"], state)
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEnginePatchRunState: PATCH of a run's state does what Airflow's
// does, on finished runs too.
func TestEnginePatchRunState(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, patchDAGs).bundle
	ti := func(dag, run, task string) map[string]any {
		return b.req(t, "GET", "/api/v2/dags/"+dag+"/dagRuns/"+run+"/taskInstances/"+task, rd, nil).json(t)
	}

	// A finished run marked failed is failed; its task instances stay.
	res := b.req(t, "POST", "/api/v2/dags/pair/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "p1"})
	require.Equal(t, "success", res.json(t)["state"], string(res.body))
	end := res.json(t)["end_date"]
	res = b.req(t, "PATCH", "/api/v2/dags/pair/dagRuns/p1", trg, map[string]any{"state": "failed"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "failed", res.json(t)["state"])
	require.Equal(t, end, res.json(t)["end_date"], "a finished run keeps its end date")
	got := b.req(t, "GET", "/api/v2/dags/pair/dagRuns/p1", rd, nil).json(t)
	require.Equal(t, "failed", got["state"])
	require.Equal(t, "success", ti("pair", "p1", "a")["state"])

	// Queued puts it back: it runs through the scheduler again and ends by
	// its task instances' states (all success).
	res = b.req(t, "PATCH", "/api/v2/dags/pair/dagRuns/p1", trg, map[string]any{"state": "queued"})
	require.Equal(t, 200, res.status, string(res.body))
	again := waitState(t, b, "/api/v2/dags/pair/dagRuns/p1", "success")
	require.NotEqual(t, end, again["end_date"], "the re-queued run ran again")
	require.InDelta(t, 1, ti("pair", "p1", "a")["try_number"], 0, "finished tasks are kept")

	// A failed run marked success: every task instance becomes success.
	res = b.req(t, "POST", "/api/v2/dags/broken/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "f1"})
	require.Equal(t, "failed", res.json(t)["state"], string(res.body))
	res = b.req(t, "PATCH", "/api/v2/dags/broken/dagRuns/f1", trg, map[string]any{"state": "success"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "success", res.json(t)["state"])
	require.Equal(t, "success", ti("broken", "f1", "boom")["state"])

	// A running run marked failed: the running task fails, the rest is skipped.
	res = b.req(t, "POST", "/api/v2/dags/slow/dagRuns", trg, map[string]any{"dag_run_id": "s1"})
	require.Equal(t, 200, res.status, string(res.body))
	deadline := time.Now().Add(30 * time.Second)
	for ti("slow", "s1", "nap")["state"] != "running" {
		require.True(t, time.Now().Before(deadline), "nap did not start")
		time.Sleep(10 * time.Millisecond)
	}
	res = b.req(t, "PATCH", "/api/v2/dags/slow/dagRuns/s1", trg, map[string]any{"state": "queued"})
	require.Equal(t, 400, res.status, "a running run cannot be re-queued: %s", res.body)
	res = b.req(t, "PATCH", "/api/v2/dags/slow/dagRuns/s1", trg, map[string]any{"state": "failed"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "failed", res.json(t)["state"])
	require.NotNil(t, res.json(t)["end_date"])
	require.Equal(t, "failed", ti("slow", "s1", "nap")["state"])
	require.Equal(t, "skipped", ti("slow", "s1", "after")["state"])
}

// TestEngineRunIDReusedAfterDelete: a run deleted and triggered again with
// the same dag_run_id runs normally (asynq retains the old run's task ids
// for a day; the new incarnation's ids differ).
func TestEngineRunIDReusedAfterDelete(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, patchDAGs).bundle
	for i := range 3 {
		res := b.req(t, "POST", "/api/v2/dags/pair/dagRuns?wait=20s", trg, map[string]any{"dag_run_id": "again"})
		require.Equal(t, 200, res.status, "incarnation %d: %s", i, res.body)
		require.Equal(t, "success", res.json(t)["state"], "incarnation %d", i)
		ti := b.req(t, "GET", "/api/v2/dags/pair/dagRuns/again/taskInstances/b", rd, nil).json(t)
		require.Equal(t, "success", ti["state"])
		require.InDelta(t, 1, ti["try_number"], 0)
		require.Equal(t, 204, b.req(t, "DELETE", "/api/v2/dags/pair/dagRuns/again", trg, nil).status)
	}
}
