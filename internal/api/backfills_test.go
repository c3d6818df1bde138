package api

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const backfillDAGs = `
daily:
  schedule: "0 0 * * *"
  start_date: 2026-01-01
  tasks:
    - task_id: t
      operator: sleep
      duration: 1s
manual_only:
  tasks:
    - task_id: t
      operator: noop
`

func dryDates(t *testing.T, res resp) []string {
	t.Helper()
	var out []string
	for _, b := range res.json(t)["backfills"].([]any) {
		out = append(out, b.(map[string]any)["logical_date"].(string))
	}
	return out
}

// TestEngineBackfills: backfills create backfill runs of the intervals,
// at most max_active_runs at a time, reprocess by the behaviour, and pause,
// unpause and cancel.
func TestEngineBackfills(t *testing.T) {
	t.Parallel()
	b := setupEngineDAGs(t, 4, backfillDAGs).bundle
	body := func(from, to string, extra ...any) map[string]any {
		m := map[string]any{"dag_id": "daily", "from_date": from, "to_date": to, "max_active_runs": 1}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}
	res := b.req(t, "POST", "/api/v2/backfills/dry_run", trg, body("2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"))
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, []string{"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"}, dryDates(t, res))

	// Bad input.
	require.Equal(t, 422, b.req(t, "POST", "/api/v2/backfills", trg, map[string]any{"dag_id": "daily"}).status)
	// An empty date is not a date (schemathesis found it panicking the handler).
	for _, path := range []string{"/api/v2/backfills", "/api/v2/backfills/dry_run"} {
		res := b.req(t, "POST", path, trg, body("2000-01-01T00:00:00Z", "", "dag_id", ""))
		require.Equal(t, 422, res.status, string(res.body))
		require.Contains(t, string(res.body), `"loc":["body","to_date"]`)
		require.Contains(t, string(res.body), "input is too short")
	}
	require.Equal(t, 404, b.req(t, "POST", "/api/v2/backfills", trg, body("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "dag_id", "nope")).status)
	require.Equal(t, 400, b.req(t, "POST", "/api/v2/backfills", trg, body("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "dag_id", "manual_only")).status)
	require.Equal(t, 400, b.req(t, "POST", "/api/v2/backfills", trg, body("2026-01-05T00:00:00Z", "2026-01-02T00:00:00Z")).status)
	require.Equal(t, 422, b.req(t, "POST", "/api/v2/backfills", trg, body("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "reprocess_behavior", "all")).status)
	require.Equal(t, 400, b.req(t, "POST", "/api/v2/backfills", trg, body("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "run_backwards", true)).status)

	// Three runs, one at a time; pausing holds the ones not started.
	res = b.req(t, "POST", "/api/v2/backfills", trg, body("2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z", "dag_run_conf", map[string]any{"k": 1}))
	require.Equal(t, 200, res.status, string(res.body))
	bf := res.json(t)
	id := int(bf["id"].(float64))
	require.Nil(t, bf["completed_at"])
	path := fmt.Sprintf("/api/v2/backfills/%d", id)
	res = b.req(t, "PUT", path+"/pause", trg, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, true, res.json(t)["is_paused"])
	require.Equal(t, 409, b.req(t, "POST", "/api/v2/backfills", trg, body("2026-01-04T00:00:00Z", "2026-01-04T00:00:00Z")).status, "one backfill at a time")
	first := "/api/v2/dags/daily/dagRuns/backfill__2026-01-01T00:00:00Z"
	run := waitState(t, b, first, "success")
	require.Equal(t, "backfill", run["run_type"])
	require.Equal(t, map[string]any{"k": 1.0}, run["conf"])
	for _, d := range []string{"02", "03"} {
		r := b.req(t, "GET", "/api/v2/dags/daily/dagRuns/backfill__2026-01-"+d+"T00:00:00Z", rd, nil).json(t)
		require.Equal(t, "queued", r["state"], "a paused backfill's run waits: %v", r)
	}
	res = b.req(t, "PUT", path+"/unpause", trg, nil)
	require.Equal(t, 200, res.status, string(res.body))
	waitState(t, b, "/api/v2/dags/daily/dagRuns/backfill__2026-01-03T00:00:00Z", "success")
	var spans [][2]string
	for _, d := range []string{"01", "02", "03"} {
		r := b.req(t, "GET", "/api/v2/dags/daily/dagRuns/backfill__2026-01-"+d+"T00:00:00Z", rd, nil).json(t)
		require.Equal(t, "success", r["state"])
		spans = append(spans, [2]string{r["start_date"].(string), r["end_date"].(string)})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	for i := 1; i < len(spans); i++ {
		a, _ := time.Parse(time.RFC3339Nano, spans[i-1][1])
		c, _ := time.Parse(time.RFC3339Nano, spans[i][0])
		require.False(t, c.Before(a), "max_active_runs 1: runs overlapped: %v", spans)
	}
	got := b.req(t, "GET", path, rd, nil).json(t)
	require.NotNil(t, got["completed_at"], "all its runs finished: %v", got)
	require.Equal(t, 409, b.req(t, "PUT", path+"/pause", trg, nil).status)

	// Reprocess behaviour: none skips the existing runs, completed takes them.
	res = b.req(t, "POST", "/api/v2/backfills/dry_run", trg, body("2026-01-02T00:00:00Z", "2026-01-04T00:00:00Z"))
	require.Equal(t, []string{"2026-01-04T00:00:00Z"}, dryDates(t, res))
	res = b.req(t, "POST", "/api/v2/backfills/dry_run", trg, body("2026-01-02T00:00:00Z", "2026-01-04T00:00:00Z", "reprocess_behavior", "failed"))
	require.Equal(t, []string{"2026-01-04T00:00:00Z"}, dryDates(t, res), "no failed run to reprocess")
	res = b.req(t, "POST", "/api/v2/backfills/dry_run", trg, body("2026-01-02T00:00:00Z", "2026-01-04T00:00:00Z", "reprocess_behavior", "completed"))
	require.Equal(t, []string{"2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z"}, dryDates(t, res))

	// Cancel: the runs that did not start fail.
	res = b.req(t, "POST", "/api/v2/backfills", trg, body("2026-02-01T00:00:00Z", "2026-02-03T00:00:00Z"))
	require.Equal(t, 200, res.status, string(res.body))
	id2 := int(res.json(t)["id"].(float64))
	res = b.req(t, "PUT", fmt.Sprintf("/api/v2/backfills/%d/cancel", id2), trg, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.NotNil(t, res.json(t)["completed_at"])
	r := b.req(t, "GET", "/api/v2/dags/daily/dagRuns/backfill__2026-02-03T00:00:00Z", rd, nil).json(t)
	require.Equal(t, "failed", r["state"], "the last run had not started")
	require.Equal(t, 409, b.req(t, "PUT", fmt.Sprintf("/api/v2/backfills/%d/cancel", id2), trg, nil).status)

	res = b.req(t, "GET", "/api/v2/backfills?dag_id=daily&order_by=-id", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.InDelta(t, 2, res.json(t)["total_entries"], 0)
	require.InDelta(t, id2, res.json(t)["backfills"].([]any)[0].(map[string]any)["id"], 0)
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/backfills/999", rd, nil).status)
	require.Equal(t, 422, b.req(t, "GET", "/api/v2/backfills/abc", rd, nil).status)
	require.Equal(t, 403, b.req(t, "PUT", path+"/cancel", rd, nil).status)
}
