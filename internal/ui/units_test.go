package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/api"
)

func TestScheduleWords(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{"", "manual only"},
		{"None", "manual only"},
		{"@daily", "every day at 00:00"},
		{"@hourly", "every hour, on the hour"},
		{"1h30m", "every 1h30m0s"},
		{"*/15 * * * *", "every 15 minutes"},
		{"* * * * *", "every minute"},
		{"5 * * * *", "every hour at minute 5"},
		{"0 */6 * * *", "every 6 hours at minute 0"},
		{"0 2 * * *", "every day at 02:00"},
		{"30 8,18 * * *", "every day at 08:30, 18:30"},
		{"0 9 * * 1-5", "every weekday at 09:00"},
		{"0 9 * * 1,3", "every Monday, Wednesday at 09:00"},
		{"0 9 * * 0", "every Sunday at 09:00"},
		{"15 3 1 * *", "on day 1 of every month at 03:15"},
		{"0 0 1 1 *", "0 0 1 1 *"},
		{"0 25 * * *", "0 25 * * *"},
		{"nonsense", "nonsense"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, scheduleWords(tc.expr), tc.expr)
	}
}

func TestOutputLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, xcom string
		want       []outputLink
	}{
		{"none", ``, nil},
		{"not json", `{`, nil},
		{"an output", `{"output": {"uri": "file://./data/runs/d/r1/render/report.pdf", "size": 3}}`,
			[]outputLink{{"report.pdf", "/api/dagworker/v1/outputs/d/r1/render/report.pdf"}}},
		{"two, once each", `{"b": "s3://lake/runs/d/r1/render/b.jsonl", "a": ["s3://lake/runs/d/r1/render/a.pdf", "s3://lake/runs/d/r1/render/a.pdf"]}`,
			[]outputLink{{"a.pdf", "/api/dagworker/v1/outputs/d/r1/render/a.pdf"}, {"b.jsonl", "/api/dagworker/v1/outputs/d/r1/render/b.jsonl"}}},
		{"another task's", `{"uri": "file://./data/runs/d/r1/scrape/pages.jsonl"}`, nil},
		{"deeper keys are not outputs", `{"uri": "file://./data/runs/d/r1/render/x/y.pdf"}`, nil},
		{"escaped in the link", `"mem://runs/d/r1/render/a b.pdf"`, []outputLink{{"a b.pdf", "/api/dagworker/v1/outputs/d/r1/render/a%20b.pdf"}}},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, outputLinks(json.RawMessage(tc.xcom), "d", "r1", "render"), tc.name)
	}
}

func TestTriggerRequest(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	req, err := triggerRequest(&triggerForm{Conf: ` {"a": 1} `, LogicalDate: "2026-12-01T02:00"}, now)
	require.NoError(t, err)
	require.Equal(t, "manual__2026-12-01T02:00:00Z", req.RunID)
	require.Equal(t, "ui", req.TriggeredBy)
	req, err = triggerRequest(&triggerForm{}, now)
	require.NoError(t, err)
	require.Equal(t, "manual__2026-12-07T01:02:03Z", req.RunID)
	require.Nil(t, req.Conf)
	for _, f := range []triggerForm{{Conf: "null"}, {Conf: `{} {}`}, {Conf: `"x"`}, {RunID: ".."}, {RunID: "a\nb"}, {LogicalDate: "soon"}} {
		_, err := triggerRequest(&f, now)
		require.Error(t, err, "%+v", f)
	}
}

func TestGraphEscapes(t *testing.T) {
	t.Parallel()
	d := api.DAGDetail{DAGInfo: api.DAGInfo{Tasks: []api.TaskInfo{{ID: "a<b>", Operator: "echo"}, {ID: "c", Operator: "noop", Upstream: []string{"a<b>"}, TriggerRule: "one_failed", Group: "g"}}}}
	svg := graphSVG(d, map[string]string{"c": "failed"})
	require.NotContains(t, svg, "a<b>")
	require.Contains(t, svg, "a&lt;b&gt;")
	require.Contains(t, svg, "g · noop · one_failed")
	require.Contains(t, svg, `stroke="#ff0000"`)
	require.Equal(t, 1, strings.Count(svg, `class="edge"`))
}

// TestOpenLoopbackOnly: with --api-open the UI needs no login from loopback
// only; other addresses still go to the login page.
func TestOpenLoopbackOnly(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cfg := api.EngineConfig(s.be)
	cfg.Open = true
	srv, err := api.New(cfg)
	require.NoError(t, err)
	web, err := New(Config{Auth: srv, DAGs: s.be, Details: s.be, Pauses: s.be, Runs: s.be, Editor: s.be, Tasks: s.be})
	require.NoError(t, err)
	for _, tc := range []struct {
		remote string
		want   int
	}{{"127.0.0.1:5000", http.StatusOK}, {"[::1]:5000", http.StatusOK}, {"192.0.2.7:5000", http.StatusSeeOther}} {
		req := httptest.NewRequest("GET", "/dags/pipeline", nil)
		req.RemoteAddr = tc.remote
		rec := httptest.NewRecorder()
		web.ServeHTTP(rec, req)
		require.Equal(t, tc.want, rec.Code, tc.remote)
	}
	// A loopback post still needs the CSRF token: a page of another site
	// could make the browser send it.
	req := httptest.NewRequest("POST", "/dags/pipeline/pause", strings.NewReader("paused=true"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "127.0.0.1:5000"
	rec := httptest.NewRecorder()
	web.ServeHTTP(rec, req)
	require.Equal(t, http.StatusForbidden, rec.Code)
}

// TestDAGsPages lists the DAGs two at a time.
func TestDAGsPages(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cfg := api.EngineConfig(s.be)
	cfg.Tokens = []api.Token{{Token: readTok, Scope: api.ScopeRead}}
	srv, err := api.New(cfg)
	require.NoError(t, err)
	web, err := New(Config{Auth: srv, DAGs: s.be, Details: s.be, Pauses: s.be, Runs: s.be, Editor: s.be, Tasks: s.be, DAGsPerPage: 2})
	require.NoError(t, err)
	get := func(path string) string {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+readTok)
		rec := httptest.NewRecorder()
		web.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		return rec.Body.String()
	}
	first := get("/")
	require.Equal(t, 2, strings.Count(first, `class="dag-row"`))
	require.Contains(t, first, `data-dag="flaky"`)
	require.Contains(t, first, `data-dag="pipeline"`)
	require.Contains(t, first, `id="dags-next"`)
	require.NotContains(t, first, `id="dags-prev"`)
	second := get("/?page=2")
	require.Equal(t, 1, strings.Count(second, `class="dag-row"`))
	require.Contains(t, second, `data-dag="slow"`)
	require.Contains(t, second, "3 DAG(s)")
	require.NotContains(t, second, `id="dags-next"`)
}

// TestSafeNext: the login's next stays a path on this host.
func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                     "/",
		"/dags/x":              "/dags/x",
		"/dags/x?run=1#t":      "/dags/x?run=1#t",
		"//evil.example/":      "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"dags":                 "/",
	} {
		require.Equal(t, want, safeNext(in), in)
	}
}
