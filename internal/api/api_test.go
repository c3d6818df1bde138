package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	rd  = "bearer:" + readTok
	trg = "bearer:" + triggerTok
)

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	jwt := b.req(t, "POST", "/auth/token", "", map[string]string{"username": "admin", "password": "s3cret-pass"})
	require.Equal(t, http.StatusCreated, jwt.status, string(jwt.body))
	token := jwt.json(t)["access_token"].(string)
	viewerJWT := b.req(t, "POST", "/auth/token", "", map[string]string{"username": "viewer", "password": "view-pass"}).json(t)["access_token"].(string)

	form := url.Values{"username": {"admin"}, "password": {"s3cret-pass"}}.Encode()
	formRes := b.req(t, "POST", "/auth/token", "", form, "Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusCreated, formRes.status, string(formRes.body))

	tampered := token[:len(token)-2] + "AA"
	trigger := map[string]any{"conf": map[string]any{}}
	tests := []struct {
		name, method, path, auth string
		body                     any
		want                     int
	}{
		{"version needs no auth", "GET", "/api/v2/version", "", nil, 200},
		{"health needs no auth", "GET", "/api/v2/monitor/health", "", nil, 200},
		{"no credentials", "GET", "/api/v2/dags", "", nil, 401},
		{"unknown token", "GET", "/api/v2/dags", "bearer:nope", nil, 401},
		{"tampered jwt", "GET", "/api/v2/dags", "bearer:" + tampered, nil, 401},
		{"read token reads", "GET", "/api/v2/dags", rd, nil, 200},
		{"read token cannot trigger", "POST", "/api/v2/dags/nightly_sites/dagRuns", rd, trigger, 403},
		{"read jwt cannot trigger", "POST", "/api/v2/dags/nightly_sites/dagRuns", "bearer:" + viewerJWT, trigger, 403},
		{"read token cannot pause", "PATCH", "/api/v2/dags/nightly_sites", rd, map[string]bool{"is_paused": true}, 403},
		{"trigger token triggers", "POST", "/api/v2/dags/nightly_sites/dagRuns", trg, trigger, 200},
		{"jwt triggers", "POST", "/api/v2/dags/nightly_sites/dagRuns", "bearer:" + token, trigger, 200},
		{"basic user", "GET", "/api/v2/dags", "basic:admin:s3cret-pass", nil, 200},
		{"basic wrong password", "GET", "/api/v2/dags", "basic:admin:wrong", nil, 401},
		{"basic with token as password", "POST", "/api/v2/dags/nightly_sites/dagRuns", "basic:airflow:" + triggerTok, trigger, 200},
		{"token bad password", "POST", "/auth/token", "", map[string]string{"username": "admin", "password": "x"}, 401},
		{"token missing fields", "POST", "/auth/token", "", map[string]string{}, 422},
		{"ad-hoc needs auth", "POST", "/api/dagworker/v1/tasks", "", map[string]string{"type": "echo"}, 401},
		{"ad-hoc needs trigger", "POST", "/api/dagworker/v1/tasks", rd, map[string]string{"type": "echo"}, 403},
	}
	for _, tc := range tests {
		res := b.req(t, tc.method, tc.path, tc.auth, tc.body)
		require.Equal(t, tc.want, res.status, "%s: %s", tc.name, res.body)
		if tc.want >= 400 {
			require.Contains(t, res.json(t), "detail", tc.name)
		}
	}

	// The web UI's session cookie reads (its pages link the downloads),
	// and nothing else.
	cookie := sessionCookieHeader(token)
	require.Equal(t, 200, b.req(t, "GET", "/api/v2/dags", "", nil, "Cookie", cookie).status)
	require.Equal(t, 401, b.req(t, "POST", "/api/v2/dags/nightly_sites/dagRuns", "", trigger, "Cookie", cookie).status)
	require.Equal(t, 401, b.req(t, "GET", "/api/v2/dags", "", nil, "Cookie", sessionCookieHeader(tampered)).status)

	// Tokens expire.
	b.advance(25 * time.Hour)
	require.Equal(t, 401, b.req(t, "GET", "/api/v2/dags", "bearer:"+token, nil).status)
}

func TestOpenOnLoopback(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.Open, c.Users, c.Tokens = true, nil, nil })
	require.Equal(t, 200, b.req(t, "GET", "/api/v2/dags", "", nil).status)
	require.Equal(t, 200, b.req(t, "POST", "/api/v2/dags/nightly_sites/dagRuns", "", map[string]any{}).status)
	require.Equal(t, 401, b.req(t, "GET", "/api/v2/dags", "bearer:wrong", nil).status, "sent credentials are still checked")
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	be := newMemBackend()
	full := Config{DAGs: be, Pauses: be, Runs: be, Editor: be, Tasks: be}
	tests := []struct {
		name string
		cfg  func(c Config) Config
	}{
		{"no stores", func(Config) Config { return Config{Open: true} }},
		{"no credentials", func(c Config) Config { return c }},
		{"empty token", func(c Config) Config { c.Tokens = []Token{{Scope: ScopeRead}}; return c }},
		{"bad scope", func(c Config) Config { c.Users = []User{{Name: "a", Password: "b", Scope: "admin"}}; return c }},
		{"short secret", func(c Config) Config { c.Open, c.JWTSecret = true, []byte("short"); return c }},
	}
	for _, tc := range tests {
		_, err := New(tc.cfg(full))
		require.ErrorIs(t, err, ErrConfig, tc.name)
	}
	toks, err := ParseTokens("abc:read, def ,ghi:trigger")
	require.NoError(t, err)
	require.Equal(t, []Token{{"abc", ScopeRead}, {"def", ScopeTrigger}, {"ghi", ScopeTrigger}}, toks)
	_, err = ParseTokens("abc:admin")
	require.ErrorIs(t, err, ErrConfig)
	users, err := ParseUsers("admin:pw:trigger,viewer:pw2:read")
	require.NoError(t, err)
	require.Equal(t, ScopeRead, users[1].Scope)
	_, err = ParseUsers("nopassword")
	require.ErrorIs(t, err, ErrConfig)
}

func TestDAGs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		path  string
		want  int
		total float64
	}{
		{"/api/v2/dags", 200, 2},
		{"/api/v2/dags?dag_id_pattern=night", 200, 1},
		{"/api/v2/dags?dag_id_pattern=%25report", 200, 1},
		{"/api/v2/dags?paused=true", 200, 1},
		{"/api/v2/dags?tags=report&tags=nightly", 200, 2},
		{"/api/v2/dags?limit=1&offset=1&order_by=-dag_id", 200, 2},
		{"/api/v2/dags?limit=abc", 422, 0},
		{"/api/v2/dags?paused=maybe", 422, 0},
	}
	for _, tc := range tests {
		res := b.req(t, "GET", tc.path, rd, nil)
		require.Equal(t, tc.want, res.status, "%s: %s", tc.path, res.body)
		if tc.want == 200 {
			require.InDelta(t, tc.total, res.json(t)["total_entries"], 0, tc.path)
		}
	}
	page := b.req(t, "GET", "/api/v2/dags?limit=1&offset=1&order_by=-dag_id", rd, nil).json(t)
	require.Equal(t, "adhoc_report", page["dags"].([]any)[0].(map[string]any)["dag_id"])

	got := b.req(t, "GET", "/api/v2/dags/nightly_sites", rd, nil).json(t)
	require.Equal(t, false, got["is_paused"])
	require.Equal(t, "0 2 * * *", got["timetable_summary"])
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dags/nope", rd, nil).status)

	patched := b.req(t, "PATCH", "/api/v2/dags/nightly_sites?update_mask=is_paused", trg, map[string]bool{"is_paused": true})
	require.Equal(t, 200, patched.status, string(patched.body))
	require.Equal(t, true, b.req(t, "GET", "/api/v2/dags/nightly_sites", rd, nil).json(t)["is_paused"])
	require.Equal(t, 422, b.req(t, "PATCH", "/api/v2/dags/nightly_sites", trg, map[string]any{}).status)
	require.Equal(t, 400, b.req(t, "PATCH", "/api/v2/dags/nightly_sites?update_mask=tags", trg, map[string]bool{"is_paused": true}).status)
	require.Equal(t, 404, b.req(t, "PATCH", "/api/v2/dags/nope", trg, map[string]bool{"is_paused": true}).status)
}

func TestTriggerErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := "/api/v2/dags/nightly_sites/dagRuns"
	tests := []struct {
		name   string
		body   any
		want   int
		detail string
	}{
		{"syntax error has position", "{\n  \"conf\": {,}\n}", 422, "line 2, column 12"},
		{"truncated", `{"conf": {`, 422, "unexpected end"},
		{"conf not an object", `{"conf": [1]}`, 422, "conf"},
		{"bad logical_date", `{"logical_date": "yesterday"}`, 422, "logical_date"},
		{"half a data interval", `{"data_interval_start": "2026-01-01T00:00:00Z"}`, 422, "data_interval_end"},
		{"empty run id", `{"dag_run_id": ""}`, 422, "dag_run_id"},
		{"dot run id", `{"dag_run_id": ".."}`, 400, "not a name"},
		{"too large", `{"conf": {"x": "` + strings.Repeat("a", 5000) + `"}}`, 413, "larger than"},
		{"unknown keys are ignored", `{"conf": {}, "whatever": 1}`, 200, ""},
	}
	for _, tc := range tests {
		res := b.req(t, "POST", path, trg, tc.body)
		require.Equal(t, tc.want, res.status, "%s: %s", tc.name, res.body)
		require.Contains(t, string(res.body), tc.detail, tc.name)
	}
	require.Equal(t, 404, b.req(t, "POST", "/api/v2/dags/nope/dagRuns", trg, map[string]any{}).status)
	require.Equal(t, 422, b.req(t, "POST", path+"?wait=soon", trg, map[string]any{}).status)
}

func TestTriggerIdempotence(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := "/api/v2/dags/nightly_sites/dagRuns"
	first := b.req(t, "POST", path, trg, map[string]any{"dag_run_id": "r1", "logical_date": "2026-11-27T00:00:00Z", "conf": map[string]any{"k": 1}})
	require.Equal(t, 200, first.status, string(first.body))
	run := first.json(t)
	require.Equal(t, "r1", run["dag_run_id"])
	require.Equal(t, "2026-11-27T00:00:00Z", run["logical_date"])
	require.Equal(t, "queued", run["state"])
	require.Len(t, run["dag_versions"], 1)

	dup := b.req(t, "POST", path, trg, map[string]any{"dag_run_id": "r1"})
	require.Equal(t, 409, dup.status, string(dup.body))

	noDate := b.req(t, "POST", path, trg, map[string]any{}).json(t)
	require.Nil(t, noDate["logical_date"])
	require.True(t, strings.HasPrefix(noDate["dag_run_id"].(string), "manual__"))

	var ids []string
	for range 3 {
		res := b.req(t, "POST", path, trg, map[string]any{"conf": map[string]any{}}, "Idempotency-Key", "replay-1")
		require.Equal(t, 200, res.status, string(res.body))
		ids = append(ids, res.json(t)["dag_run_id"].(string))
	}
	require.Equal(t, ids[0], ids[1])
	require.Equal(t, ids[0], ids[2])
	// Same key on another DAG is another run.
	other := b.req(t, "POST", "/api/v2/dags/adhoc_report/dagRuns", trg, map[string]any{}, "Idempotency-Key", "replay-1").json(t)
	require.NotEqual(t, ids[0], other["dag_run_id"])
	require.EqualValues(t, 4, b.be.created.Load())
}

func sessionCookieHeader(token string) string { return SessionCookie + "=" + token }
