package api

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oapi-codegen/runtime"
	"github.com/stretchr/testify/require"
)

// TestParseTimeForms: the date-time forms Airflow's parameters accept,
// the official client's first among them.
func TestParseTimeForms(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 19, 20, 39, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-12-01T19:20:39.000000+0000", at},
		{"2026-12-01T19:20:39Z", at},
		{"2026-12-01T19:20:39+00:00", at},
		{"2026-12-01T19:20:39.5Z", at.Add(500 * time.Millisecond)},
		{"2026-12-01T19:20:39.123456789123Z", at.Add(123456789)},
		{"2026-12-01T20:20:39+01:00", at},
		{"2026-12-01T20:20:39+0100", at},
		{"2026-12-01T20:20:39+01", at},
		{"2026-12-01T18:20:39-01:00", at},
		{"2026-12-01 19:20:39", at},
		{"2026-12-01t19:20:39z", at},
		{"2026-12-01T19:20", at.Add(-39 * time.Second)},
		{"2026-12-01", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"1796152839", at},
		{"1796152839000", at},
	}
	refused := 0
	for _, tc := range tests {
		got, err := parseTime(tc.in)
		require.NoError(t, err, tc.in)
		require.True(t, tc.want.Equal(got), "%s: got %s, want %s", tc.in, got, tc.want)
		// oapi-codegen's generated servers bind date-time parameters with
		// its runtime, which reads RFC 3339 and plain dates only: it would
		// answer the official client's own form 422. This is why the
		// handlers parse their parameters themselves (see the README).
		var bound time.Time
		if runtime.BindStringToObject(tc.in, &bound) != nil {
			refused++
		}
	}
	var bound time.Time
	require.Error(t, runtime.BindStringToObject("2026-12-01T19:20:39.000000+0000", &bound), "the generated binding now reads the client's form: reconsider the generated server")
	require.Greater(t, refused, len(tests)/2)
	for _, bad := range []string{"never", "2026-13-01", "2026-02-30T00:00:00Z", "2026-12-01T25:00:00Z", "2026-12-01T19:20:39+25:00", "2026-12-01T19:20:39 UTC", "12/01/2026"} {
		_, err := parseTime(bad)
		require.Error(t, err, bad)
	}
}

// TestDatetimeFiltersAsTheClientSends: a list filter written the way the
// official client writes it answers 200 and filters.
func TestDatetimeFiltersAsTheClientSends(t *testing.T) {
	t.Parallel()
	b := setup(t)
	trigger(t, b, "nightly_sites", "r1") // logical date 2026-11-27T00:00:00Z
	for _, v := range []string{"2026-11-26T19:20:39.000000+0000", "2026-11-26T19:20:39Z", "2026-11-26T19:20:39+00:00", "2026-11-26"} {
		res := b.req(t, "GET", "/api/v2/dags/~/dagRuns?logical_date_gte="+url.QueryEscape(v), rd, nil)
		require.Equal(t, 200, res.status, "%s: %s", v, res.body)
		require.InDelta(t, 1, res.json(t)["total_entries"], 0, v)
		res = b.req(t, "GET", "/api/v2/dags/~/dagRuns?logical_date_lt="+url.QueryEscape(v), rd, nil)
		require.Equal(t, 200, res.status, "%s: %s", v, res.body)
		require.InDelta(t, 0, res.json(t)["total_entries"], 0, v)
	}
	res := b.req(t, "POST", "/api/v2/dags/nightly_sites/dagRuns", trg, map[string]any{"dag_run_id": "client", "logical_date": "2026-12-01T19:20:39.000000+0000"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "2026-12-01T19:20:39Z", res.json(t)["logical_date"])
}

// TestEnumAndOrderChecks: bad enum values, sort keys, map indexes, run ids
// and bodies answer as Airflow answers them.
func TestEnumAndOrderChecks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	trigger(t, b, "nightly_sites", "r1")
	ti := "/api/v2/dags/nightly_sites/dagRuns/r1/taskInstances"
	tests := []struct {
		method, path string
		body         any
		want         int
		detail       string
	}{
		{"GET", "/api/v2/dags/~/dagRuns?order_by=bogus", nil, 400, "Ordering with 'bogus' is disallowed"},
		{"GET", "/api/v2/dags/~/dagRuns?order_by=-bogus", nil, 400, "Ordering with 'bogus'"},
		{"GET", "/api/v2/dags/~/dagRuns?order_by=-run_after&order_by=dag_run_id", nil, 200, ""},
		{"GET", "/api/v2/dags/~/dagRuns?state=bogus", nil, 422, "Invalid value for state. Valid values are queued, running, success, failed"},
		{"GET", "/api/v2/dags/~/dagRuns?state=none", nil, 200, ""},
		{"GET", "/api/v2/dags/~/dagRuns?run_type=bogus", nil, 422, "Invalid value for run type"},
		{"GET", "/api/v2/dags/~/dagRuns?run_type=asset_triggered", nil, 200, ""},
		{"POST", "/api/v2/dags/~/dagRuns/list", map[string]any{"states": []string{"bogus"}}, 422, `"loc":["body","states",0]`},
		{"POST", "/api/v2/dags/~/dagRuns/list", map[string]any{"order_by": "bogus"}, 400, "Ordering with 'bogus'"},
		{"GET", "/api/v2/dags?order_by=bogus", nil, 400, "Ordering with 'bogus'"},
		{"GET", "/api/v2/dags?order_by=-dag_id", nil, 200, ""},
		{"GET", ti + "?order_by=bogus", nil, 400, "Ordering with 'bogus'"},
		{"GET", ti + "?state=bogus", nil, 422, "Invalid value for state"},
		{"GET", ti + "?state=no_status&order_by=-start_date", nil, 200, ""},
		{"GET", ti + "/scrape/logs/1?map_index=abc", nil, 422, "int_parsing"},
		{"GET", ti + "/scrape/logs/1?map_index=3", nil, 404, "map_index: `3`"},
		{"GET", ti + "/scrape/logs/1?map_index=-1", nil, 200, ""},
		{"GET", ti + "/scrape/xcomEntries?map_index=abc", nil, 422, "int_parsing"},
		{"GET", ti + "/scrape/xcomEntries/return_value?map_index=x", nil, 422, "int_parsing"},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns", `{"conf": {,}}`, 422, `"type":"json_invalid","loc":["body",10],"msg":"JSON decode error"`},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns", `{"conf": {`, 422, "json_invalid"},
		{"PATCH", "/api/v2/dags/nightly_sites/dagRuns/r1", `{"state": `, 422, "json_invalid"},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns", map[string]any{"dag_run_id": "r1"}, 409, `"reason":"Unique constraint violation"`},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns", map[string]any{"dag_run_id": "a b"}, 400, "does not match regex pattern"},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns", map[string]any{"dag_run_id": "ünï"}, 400, "does not match regex pattern"},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns", map[string]any{"dag_run_id": ".."}, 400, "not a name"},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns", map[string]any{"dag_run_id": "manual__2026-12-01T19:20:39+00:00"}, 200, ""},
		{"POST", "/api/v2/dags/nightly_sites/dagRuns", map[string]any{"dag_run_id": "ok.run~1:a+b-c_d"}, 200, ""},
	}
	for _, tc := range tests {
		res := b.req(t, tc.method, tc.path, trg, tc.body)
		require.Equal(t, tc.want, res.status, "%s %s: %s", tc.method, tc.path, res.body)
		require.Contains(t, string(res.body), tc.detail, "%s %s", tc.method, tc.path)
	}
}

// TestJWTRejects: only HS256 tokens we could have issued are accepted:
// other methods (none, HS512), expired or expiry-less tokens, another
// issuer or an unknown scope are 401.
func TestJWTRejects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	secret := []byte("0123456789abcdef0123456789abcdef") // setup's JWTSecret
	now := b.clock()
	claims := func(mut func(c jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "admin", "scope": "trigger", "iss": "dagworker", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		if mut != nil {
			mut(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		require.NoError(t, err)
		return s
	}
	tests := []struct {
		name string
		tok  string
		want int
	}{
		{"HS256 as issued", sign(jwt.SigningMethodHS256, secret, claims(nil)), 200},
		{"HS512 with the secret", sign(jwt.SigningMethodHS512, secret, claims(nil)), 401},
		{"HS384 with the secret", sign(jwt.SigningMethodHS384, secret, claims(nil)), 401},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), 401},
		{"another secret", sign(jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef!"), claims(nil)), 401},
		{"expired", sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), 401},
		{"no expiry", sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "exp") })), 401},
		{"wrong issuer", sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["iss"] = "airflow" })), 401},
		{"no issuer", sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "iss") })), 401},
		{"unknown scope", sign(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["scope"] = "admin" })), 401},
	}
	for _, tc := range tests {
		res := b.req(t, "GET", "/api/v2/dags", "bearer:"+tc.tok, nil)
		require.Equal(t, tc.want, res.status, "%s: %s", tc.name, res.body)
	}
}

// TestTriggeringUser: triggering_user_name is who triggered the run.
func TestTriggeringUser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := "/api/v2/dags/nightly_sites/dagRuns"
	res := b.req(t, "POST", path, "basic:admin:s3cret-pass", map[string]any{"dag_run_id": "by_admin"})
	require.Equal(t, 200, res.status, string(res.body))
	require.Equal(t, "admin", res.json(t)["triggering_user_name"])
	require.Equal(t, "admin", b.req(t, "GET", path+"/by_admin", rd, nil).json(t)["triggering_user_name"])
	tok := b.req(t, "POST", "/auth/token", "", map[string]string{"username": "admin", "password": "s3cret-pass"}).json(t)["access_token"].(string)
	res = b.req(t, "POST", path, "bearer:"+tok, map[string]any{"dag_run_id": "by_jwt"})
	require.Equal(t, "admin", res.json(t)["triggering_user_name"])
}

// TestParseLogLine: slog's text lines become Airflow's structured entries.
func TestParseLogLine(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	m := parseLogLine(`time=2026-12-01T19:20:39.123Z level=WARN msg="page \"a\" slow" dag_id=d url=https://x/y n=3`, &start)
	require.Equal(t, "page \"a\" slow", m.Event)
	require.Equal(t, "warn", m.Level)
	require.Equal(t, "task", m.Logger)
	require.Equal(t, time.Date(2026, 12, 1, 19, 20, 39, 123e6, time.UTC), *m.Timestamp)
	require.Equal(t, map[string]string{"dag_id": "d", "url": "https://x/y", "n": "3"}, m.Extra)
	raw := parseLogLine("plain output", m.Timestamp)
	require.Equal(t, "plain output", raw.Event)
	require.Equal(t, "info", raw.Level)
	require.Equal(t, m.Timestamp, raw.Timestamp, "a line without a time gets the one before it")
	bad := parseLogLine(`time=x msg="unterminated`, &start)
	require.Equal(t, `time=x msg="unterminated`, bad.Event)
}

// TestConfig: GET /config answers Airflow's shape with the secret hidden.
func TestConfig(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.req(t, "GET", "/api/v2/config", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.Contains(t, string(res.body), `{"key":"jwt_secret","value":"\u003c hidden \u003e"}`, "JSON escapes < and >")
	require.NotContains(t, string(res.body), "0123456789abcdef", "the secret itself is never shown")
	one := b.req(t, "GET", "/api/v2/config?section=api_auth", rd, nil).json(t)
	require.Len(t, one["sections"], 1)
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/config?section=nope", rd, nil).status)
	require.Equal(t, 401, b.req(t, "GET", "/api/v2/config", "", nil).status)

	opt := b.req(t, "GET", "/api/v2/config/section/api/option/maximum_page_limit", rd, nil)
	require.Equal(t, 200, opt.status, string(opt.body))
	require.JSONEq(t, fmt.Sprintf(`{"sections":[{"name":"api","options":[{"key":"maximum_page_limit","value":"%d"}]}]}`, maxLimit), string(opt.body))
	secret := b.req(t, "GET", "/api/v2/config/section/api_auth/option/jwt_secret", rd, nil)
	require.Equal(t, 200, secret.status)
	require.Contains(t, string(secret.body), `\u003c hidden \u003e`)
	require.NotContains(t, string(secret.body), "0123456789abcdef")
	for _, path := range []string{"/api/v2/config/section/api/option/nope", "/api/v2/config/section/nope/option/version"} {
		res := b.req(t, "GET", path, rd, nil)
		require.Equal(t, 404, res.status, path)
		require.Contains(t, string(res.body), "not found.", path)
	}
	require.Equal(t, 401, b.req(t, "GET", "/api/v2/config/section/api/option/maximum_page_limit", "", nil).status)
}

// TestDAGTags: the distinct tags of the DAGs, sorted, paged and filtered.
func TestDAGTags(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"", `{"tags":["manual","nightly","report"],"total_entries":3}`},
		{"?order_by=-name", `{"tags":["report","nightly","manual"],"total_entries":3}`},
		{"?limit=1&offset=1", `{"tags":["nightly"],"total_entries":3}`},
		{"?tag_name_pattern=%25r%25", `{"tags":["report"],"total_entries":1}`},
		{"?tag_name_prefix_pattern=ma", `{"tags":["manual"],"total_entries":1}`},
		{"?tag_name_pattern=none", `{"tags":[],"total_entries":0}`},
	} {
		res := b.req(t, "GET", "/api/v2/dagTags"+tc.query, rd, nil)
		require.Equal(t, 200, res.status, tc.query)
		require.JSONEq(t, tc.want, string(res.body), tc.query)
	}
	require.Equal(t, 400, b.req(t, "GET", "/api/v2/dagTags?order_by=bogus", rd, nil).status)
	require.Equal(t, 422, b.req(t, "GET", "/api/v2/dagTags?limit=-1", rd, nil).status)
	require.Equal(t, 401, b.req(t, "GET", "/api/v2/dagTags", "", nil).status)
}

// TestImportErrorsAndSources: the folder's import errors and a DAG's file,
// in Airflow's shapes.
func TestImportErrorsAndSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "nightly.yaml")
	require.NoError(t, os.WriteFile(file, []byte("nightly_sites:\n  tasks: []\n"), 0o600))
	since := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	b := setup(t, func(c *Config) {
		c.ImportErrors = func() []ImportErrorInfo {
			return []ImportErrorInfo{{File: "dags/bad.yaml", Message: "dags/bad.yaml:3:5: unknown operator", Since: since},
				{File: "dags/worse.yaml", Message: "cycle", Since: since}}
		}
		c.Source = func(_ context.Context, dagID string) ([]byte, error) {
			if dagID == "nightly_sites" {
				return os.ReadFile(file) //nolint:gosec // G304: the test's own file
			}
			return nil, fmt.Errorf("dag file %s: %w", filepath.Join(dir, "missing.yaml"), ErrNotFound)
		}
	})
	res := b.req(t, "GET", "/api/v2/importErrors", rd, nil)
	require.Equal(t, 200, res.status, string(res.body))
	require.InDelta(t, 2, res.json(t)["total_entries"], 0)
	first := res.json(t)["import_errors"].([]any)[0].(map[string]any)
	require.Equal(t, "dags/bad.yaml", first["filename"])
	require.Equal(t, "dags/bad.yaml:3:5: unknown operator", first["stack_trace"])
	require.InDelta(t, 1, b.req(t, "GET", "/api/v2/importErrors?filename_pattern=worse", rd, nil).json(t)["total_entries"], 0)
	require.Equal(t, 400, b.req(t, "GET", "/api/v2/importErrors?order_by=bogus", rd, nil).status)
	id := first["import_error_id"].(float64)
	one := b.req(t, "GET", fmt.Sprintf("/api/v2/importErrors/%d", int(id)), rd, nil)
	require.Equal(t, 200, one.status, string(one.body))
	require.Equal(t, first, one.json(t), "one entry is what the list shows")
	missing := b.req(t, "GET", "/api/v2/importErrors/7", rd, nil)
	require.Equal(t, 404, missing.status)
	require.Equal(t, "The ImportError with import_error_id: `7` was not found", missing.json(t)["detail"])
	require.Equal(t, 422, b.req(t, "GET", "/api/v2/importErrors/abc", rd, nil).status)

	src := b.req(t, "GET", "/api/v2/dagSources/nightly_sites", rd, nil)
	require.Equal(t, 200, src.status, string(src.body))
	require.Equal(t, "nightly_sites:\n  tasks: []\n", src.json(t)["content"])
	plain := b.req(t, "GET", "/api/v2/dagSources/nightly_sites", rd, nil, "Accept", "text/plain")
	require.Equal(t, "nightly_sites:\n  tasks: []\n", string(plain.body))
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dagSources/adhoc_report", rd, nil).status, "the file is gone")
	require.Equal(t, 404, b.req(t, "GET", "/api/v2/dagSources/nope", rd, nil).status)
}
