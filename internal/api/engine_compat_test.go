package api

import (
	"strings"
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

const valueDAGs = `
values:
  schedule: "0 0 * * *"
  start_date: 2026-01-01
  is_paused_upon_creation: true
  tags: [zeta, alpha, mid]
  tasks:
    - task_id: a
      operator: echo
      msg: one
      retries: 2
      retry_delay: 1s
    - task_id: b
      operator: noop
      priority_weight: 5
      dependencies: [a]
    - task_id: c
      operator: noop
      dependencies: [a, b]
`

// TestEngineAirflowValues: the values Airflow shows for the same DAG and
// trigger: max_tries, data intervals of a manual run, priority weights by
// the downstream rule, sorted tags, structured log entries.
func TestEngineAirflowValues(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, valueDAGs).bundle
	res := b.req(t, "POST", "/api/v2/dags/values/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "v1", "logical_date": "2026-11-25T01:00:00Z"})
	require.Equal(t, 200, res.status, string(res.body))
	run := res.json(t)
	require.Equal(t, "success", run["state"])
	require.Equal(t, "2026-11-24T00:00:00Z", run["data_interval_start"], "the last complete day before the logical date")
	require.Equal(t, "2026-11-25T00:00:00Z", run["data_interval_end"])

	base := "/api/v2/dags/values/dagRuns/v1/taskInstances/"
	a := b.req(t, "GET", base+"a", rd, nil).json(t)
	require.InDelta(t, 2, a["max_tries"], 0, "Airflow's max_tries is the retries")
	for task, want := range map[string]float64{"a": 7, "b": 6, "c": 1} {
		ti := b.req(t, "GET", base+task, rd, nil).json(t)
		require.InDelta(t, want, ti["priority_weight"], 0, "priority_weight of %s", task)
	}

	dag := b.req(t, "GET", "/api/v2/dags/values", rd, nil).json(t)
	var tags []string
	for _, tg := range dag["tags"].([]any) {
		tags = append(tags, tg.(map[string]any)["name"].(string))
	}
	require.Equal(t, []string{"alpha", "mid", "zeta"}, tags)

	logs := b.req(t, "GET", base+"a/logs/1", rd, nil)
	require.Equal(t, 200, logs.status, string(logs.body))
	entries := logs.json(t)["content"].([]any)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		m := e.(map[string]any)
		for _, k := range []string{"timestamp", "level", "logger", "event"} {
			require.NotEmpty(t, m[k], "log entry %v lacks %s", m, k)
		}
		require.NotContains(t, m["event"], "time=", "the event is the message, not the raw line")
	}

	// A manual-only DAG's manual run: the interval is the logical date.
	res = b.req(t, "POST", "/api/v2/dags/values/dagRuns", trg, map[string]any{"dag_run_id": "v2", "logical_date": "2026-11-25T00:00:00Z"})
	require.Equal(t, "2026-11-24T00:00:00Z", res.json(t)["data_interval_start"], "a logical date on a fire time ends the interval there")
	require.Equal(t, "2026-11-25T00:00:00Z", res.json(t)["data_interval_end"])
}

const groupDAGs = `
grouped:
  params: {who: dag, keep: kept}
  task_groups:
    - group_name: collect
  tasks:
    - task_id: say
      operator: echo
      task_group_name: collect
      msg: "{{ params.who }} {{ params.keep }} {{ params.extra }}"
      params: {who: task, extra: task}
    - task_id: after
      operator: noop
      dependencies: [say]
`

// TestEngineGroupIDsAndTaskParams: a grouped task runs under its prefixed
// id (its log and XCom found by it), and its own params are merged over
// the DAG's, under the trigger conf.
func TestEngineGroupIDsAndTaskParams(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, groupDAGs).bundle
	res := b.req(t, "POST", "/api/v2/dags/grouped/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "g1", "conf": map[string]any{"extra": "conf"}})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "success", res.json(t)["state"], string(res.body))
	tis := b.req(t, "GET", "/api/v2/dags/grouped/dagRuns/g1/taskInstances", rd, nil).json(t)
	var ids []string
	for _, ti := range tis["task_instances"].([]any) {
		ids = append(ids, ti.(map[string]any)["task_id"].(string))
	}
	require.ElementsMatch(t, []string{"collect.say", "after"}, ids)
	base := "/api/v2/dags/grouped/dagRuns/g1/taskInstances/collect.say"
	x := b.req(t, "GET", base+"/xcomEntries/return_value?stringify=false", rd, nil)
	require.Equal(t, 200, x.status, string(x.body))
	require.Equal(t, "task kept conf", x.json(t)["value"].(map[string]any)["msg"])
	require.Equal(t, 200, b.req(t, "GET", base+"/logs/1", rd, nil).status)

	// Params as Airflow's API dumps them: a spec per param; a task's are the
	// DAG's (source dag) with its own over them (source task).
	spec := func(v, source any) any {
		return map[string]any{"value": v, "schema": map[string]any{}, "description": nil, "source": source}
	}
	det := b.req(t, "GET", "/api/v2/dags/grouped/details", rd, nil)
	require.Equal(t, 200, det.status, string(det.body))
	require.Equal(t, map[string]any{"who": spec("dag", nil), "keep": spec("kept", nil)}, det.json(t)["params"])
	task := b.req(t, "GET", "/api/v2/dags/grouped/tasks/collect.say", rd, nil)
	require.Equal(t, 200, task.status, string(task.body))
	require.Equal(t, map[string]any{"who": spec("task", "task"), "keep": spec("kept", "dag"), "extra": spec("task", "task")}, task.json(t)["params"])
}

// TestEngineDAGDetailsTasksStats: the DAG definition operations answer
// Airflow's shapes (validated against its document) with the loaded DAG.
func TestEngineDAGDetailsTasksStats(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, valueDAGs+patchDAGs).bundle
	res := b.req(t, "POST", "/api/v2/dags/broken/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "f1"})
	require.Equal(t, "failed", res.json(t)["state"], string(res.body))

	det := b.req(t, "GET", "/api/v2/dags/values/details", rd, nil)
	require.Equal(t, 200, det.status, string(det.body))
	d := det.json(t)
	require.Equal(t, "values", d["dag_id"])
	require.Equal(t, "2026-01-01T00:00:00Z", d["start_date"])
	require.Equal(t, true, d["is_paused_upon_creation"])
	require.Equal(t, "UTC", d["timezone"])
	require.Equal(t, map[string]any{}, d["owner_links"], "Airflow's empty owner links")
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dags/nope/details", rd, nil).status)

	tasks := b.req(t, "GET", "/api/v2/dags/values/tasks", rd, nil)
	require.Equal(t, 200, tasks.status, string(tasks.body))
	require.InDelta(t, 3, tasks.json(t)["total_entries"], 0)
	first := tasks.json(t)["tasks"].([]any)[0].(map[string]any)
	require.Equal(t, "a", first["task_id"])
	require.Equal(t, []any{"b", "c"}, first["downstream_task_ids"])
	// A task's own weight, as Airflow's task endpoint shows it (its task
	// instances carry the downstream total, 7 for a).
	require.InDelta(t, 1, first["priority_weight"], 0)
	require.InDelta(t, 1, first["retry_delay"].(map[string]any)["seconds"], 0)
	desc := b.req(t, "GET", "/api/v2/dags/values/tasks?order_by=-task_id", rd, nil).json(t)
	require.Equal(t, "c", desc["tasks"].([]any)[0].(map[string]any)["task_id"])
	require.Equal(t, 400, b.req(t, "GET", "/api/v2/dags/values/tasks?order_by=bogus", rd, nil).status)
	one := b.req(t, "GET", "/api/v2/dags/values/tasks/b", rd, nil)
	require.Equal(t, 200, one.status, string(one.body))
	require.Equal(t, "noop", one.json(t)["operator_name"])
	require.InDelta(t, 5, one.json(t)["priority_weight"], 0)
	require.Equal(t, "default", one.json(t)["queue"], "a task without a queue runs on the default one")
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dags/values/tasks/nope", rd, nil).status)

	stats := b.req(t, "GET", "/api/v2/dagStats?dag_ids=broken", rd, nil)
	require.Equal(t, 200, stats.status, string(stats.body))
	ds := stats.json(t)["dags"].([]any)
	require.Len(t, ds, 1)
	counts := map[string]float64{}
	for _, st := range ds[0].(map[string]any)["stats"].([]any) {
		m := st.(map[string]any)
		counts[m["state"].(string)] = m["count"].(float64)
	}
	require.Equal(t, map[string]float64{"queued": 0, "running": 0, "success": 0, "failed": 1}, counts)
	require.InDelta(t, 4, b.req(t, "GET", "/api/v2/dagStats", rd, nil).json(t)["total_entries"], 0)
}

const varDAGs = `
vars:
  tasks:
    - task_id: say
      operator: echo
      msg: "{{ var.value.region }} {{ var.json.limits.pages }}"
novar:
  tasks:
    - task_id: say
      operator: echo
      msg: "{{ var.value.missing }}"
`

// TestEngineTemplateVariables: {{ var.value.x }} and {{ var.json.x }}
// read the variables the API stores; a missing one fails the task.
func TestEngineTemplateVariables(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, varDAGs).bundle
	require.Equal(t, 201, b.req(t, "POST", "/api/v2/variables", trg, map[string]any{"key": "region", "value": "eu"}).status)
	require.Equal(t, 201, b.req(t, "POST", "/api/v2/variables", trg, map[string]any{"key": "limits", "value": map[string]any{"pages": 5}}).status)
	res := b.req(t, "POST", "/api/v2/dags/vars/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "v1"})
	require.Equal(t, "success", res.json(t)["state"], string(res.body))
	x := b.req(t, "GET", "/api/v2/dags/vars/dagRuns/v1/taskInstances/say/xcomEntries/return_value?stringify=false", rd, nil)
	require.Equal(t, "eu 5", x.json(t)["value"].(map[string]any)["msg"], string(x.body))
	res = b.req(t, "POST", "/api/v2/dags/novar/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "n1"})
	require.Equal(t, "failed", res.json(t)["state"], string(res.body))
}

// TestEngineDagVersions: each distinct definition of a DAG is a version,
// numbered in the order first seen, and runs show the version they used.
func TestEngineDagVersions(t *testing.T) {
	t.Parallel()
	e := setupEngineDAGs(t, 2, patchDAGs)
	b := e.bundle
	base := "/api/v2/dags/pair/dagVersions"
	res := b.req(t, "GET", base, rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.InDelta(t, 1, res.json(t)["total_entries"], 0, "the loaded definition is version 1")
	v1 := res.json(t)["dag_versions"].([]any)[0].(map[string]any)
	require.InDelta(t, 1, v1["version_number"], 0)
	require.Equal(t, "pair", v1["dag_id"])

	run := b.req(t, "POST", "/api/v2/dags/pair/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "before"}).json(t)
	require.Equal(t, "success", run["state"])
	require.Equal(t, v1, run["dag_versions"].([]any)[0], "the run used version 1")

	e.load(strings.Replace(patchDAGs, "msg: one", "msg: two", 1))
	run = b.req(t, "POST", "/api/v2/dags/pair/dagRuns?wait=30s", trg, map[string]any{"dag_run_id": "after"}).json(t)
	require.Equal(t, "success", run["state"])
	v2 := run["dag_versions"].([]any)[0].(map[string]any)
	require.InDelta(t, 2, v2["version_number"], 0, "a changed definition is version 2")
	require.NotEqual(t, v1["id"], v2["id"])

	for _, tc := range []struct {
		path string
		want []float64
	}{
		{base, []float64{1, 2}},
		{base + "?order_by=-version_number", []float64{2, 1}},
		{base + "?version_number=2", []float64{2}},
		{base + "?limit=1&offset=1", []float64{2}},
		{base + "?bundle_name=dags-folder", nil},
	} {
		res := b.req(t, "GET", tc.path, rd, nil)
		require.Equal(t, 200, res.status, tc.path)
		var got []float64
		for _, v := range res.json(t)["dag_versions"].([]any) {
			got = append(got, v.(map[string]any)["version_number"].(float64))
		}
		require.Equal(t, tc.want, got, tc.path)
	}
	all := b.req(t, "GET", "/api/v2/dags/~/dagVersions", rd, nil).json(t)
	require.InDelta(t, 4, all["total_entries"], 0, "pair's two and broken's and slow's first")

	one := b.req(t, "GET", base+"/2", rd, nil)
	require.Equal(t, 200, one.status, string(one.body))
	require.Equal(t, v2, one.json(t))
	det := b.req(t, "GET", "/api/v2/dags/pair/details", rd, nil).json(t)
	require.Equal(t, v2, det["latest_dag_version"])
	// The first run still shows the version it ran.
	before := b.req(t, "GET", "/api/v2/dags/pair/dagRuns/before", rd, nil).json(t)
	require.Equal(t, v1, before["dag_versions"].([]any)[0])

	missing := b.req(t, "GET", base+"/3", rd, nil)
	require.Equal(t, 404, missing.status)
	require.Equal(t, "The DagVersion with dag_id: `pair` and version_number: `3` was not found", missing.json(t)["detail"])
	require.Equal(t, 422, b.req(t, "GET", base+"/abc", rd, nil).status)
	require.Equal(t, 422, b.req(t, "GET", base+"?version_number=x", rd, nil).status)
	require.Equal(t, 400, b.req(t, "GET", base+"?order_by=bogus", rd, nil).status)
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dags/nope/dagVersions", rd, nil).status)
}
