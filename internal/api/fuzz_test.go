package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The fuzz targets drive the parsers of outside input through the real
// handlers (ServeHTTP on an httptest.ResponseRecorder, over the in-memory
// backend): whatever the input, the API must not panic and must answer
// with one of the statuses the operation documents, never a 5xx, and every
// error must be Airflow's {"detail": ...} JSON.

// fuzzBundle is one API server for a fuzz target.
type fuzzBundle struct {
	s  *Server
	be *memBackend
}

func newFuzzBundle(f *testing.F) *fuzzBundle {
	f.Helper()
	be := newMemBackend(testDAGs...)
	s, err := New(Config{
		DAGs: be, Pauses: be, Runs: be, Editor: be, Tasks: be, Runner: be,
		TaskTypes:    []string{"echo", "noop", "scrape"},
		Users:        []User{{Name: "admin", Password: "s3cret-pass", Scope: ScopeTrigger}, {Name: "viewer", Password: "view-pass", Scope: ScopeRead}},
		Tokens:       []Token{{Token: readTok, Scope: ScopeRead}, {Token: triggerTok, Scope: ScopeTrigger}},
		JWTSecret:    []byte("0123456789abcdef0123456789abcdef"),
		MaxBodyBytes: 4 << 10,
		MaxWait:      time.Millisecond,
		PollInterval: time.Millisecond,
	})
	require.NoError(f, err)
	return &fuzzBundle{s: s, be: be}
}

// do serves one request; rawQuery is set verbatim (it may be malformed).
func (b *fuzzBundle) do(method, path, rawQuery string, body []byte, hdr http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	r.URL.RawQuery = rawQuery
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+triggerTok)
	for k, v := range hdr {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	b.s.ServeHTTP(w, r)
	return w
}

// checkAnswer fails unless the status is one of want and an error answer
// is Airflow's {"detail": ...} JSON.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, want ...int) {
	t.Helper()
	require.Contains(t, want, w.Code, "status %d: %s", w.Code, w.Body.String())
	if w.Code >= 400 {
		var m map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
		require.Contains(t, m, "detail")
	}
}

func FuzzTriggerBody(f *testing.F) {
	b := newFuzzBundle(f)
	seeds := []struct{ body, key, query string }{
		{`{"conf": {"sites": ["https://example.org"]}}`, "", ""},
		{`{"dag_run_id": "manual_1", "logical_date": "2026-11-27T00:00:00Z", "conf": {}, "note": "from a test"}`, "", ""},
		{`{"logical_date": null, "data_interval_start": "2026-11-27T00:00:00Z", "data_interval_end": "2026-11-28"}`, "airflow/x/y/z/-1", ""},
		{`{"run_after": "2026-11-27T00:00:00.123456+02:00", "partition_key": "p"}`, "", "wait=60s"},
		{`{"logical_date": "yesterday"}`, "", ""},
		{`{"conf": [1, 2]}`, "", ""},
		{`{"conf": {}`, "", ""},
		{``, "", "wait=-1"},
		{`[]`, "", "wait=1e400"},
		{`{"dag_run_id": 7}`, "k", ""},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.key, s.query)
	}
	f.Fuzz(func(t *testing.T, body []byte, key, query string) {
		hdr := http.Header{}
		if key != "" {
			hdr.Set("Idempotency-Key", key)
		}
		w := b.do("POST", "/api/v2/dags/nightly_sites/dagRuns", query, body, hdr)
		checkAnswer(t, w, 200, 202, 400, 409, 413, 422)
	})
}

func FuzzListQuery(f *testing.F) {
	b := newFuzzBundle(f)
	for _, q := range []string{
		"limit=10&offset=0&order_by=-logical_date",
		"limit=1000000&offset=5&order_by=run_after&state=success,failed&run_type=manual",
		"logical_date_gte=2026-11-27T00:00:00Z&logical_date_lte=2026-11-28&start_date_gt=2026-11-27T00:00:00.5+01:00",
		"end_date_lt=2026-11-28T00:00:00&run_after_gte=2026-01-01",
		"dag_id_pattern=night%25&paused=false&tags=nightly,report&tags_match_mode=all&order_by=-dag_id",
		"task_id=scrape&state=running&pool=default_pool&queue=default&order_by=-start_date",
		"limit=-1", "offset=x", "paused=maybe", "logical_date_gte=2026-13-45", "limit=99999999999999999999",
		"%zz&limit=%", "order_by=;drop", "dag_id_pattern=%5B",
	} {
		f.Add(q)
	}
	paths := []string{
		"/api/v2/dags", "/api/v2/dags/~/dagRuns", "/api/v2/dags/nightly_sites/dagRuns",
		"/api/v2/dags/~/dagRuns/~/taskInstances",
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, p := range paths {
			checkAnswer(t, b.do("GET", p, query, nil, nil), 200, 400, 422)
		}
	})
}

func FuzzTaskInstancesListBody(f *testing.F) {
	b := newFuzzBundle(f)
	for _, s := range []string{
		`{"dag_ids": ["nightly_sites"], "dag_run_ids": ["r1"], "task_ids": ["scrape"], "state": ["success"], "page_limit": 10}`,
		`{"pool": ["default_pool"], "queue": ["default"], "order_by": "-start_date", "page_offset": 5}`,
		`{"page_limit": -5, "page_offset": -1}`,
		`{"page_limit": 1e30}`,
		`{"states": ["failed"], "logical_date_gte": "2026-11-27T00:00:00Z", "start_date_lte": "nope"}`,
		`{"dag_ids": "nightly_sites"}`,
		`{"task_ids": [1, 2]`,
		`null`, ``, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAnswer(t, b.do("POST", "/api/v2/dags/~/dagRuns/~/taskInstances/list", "", body, nil), 200, 400, 413, 422)
		checkAnswer(t, b.do("POST", "/api/v2/dags/~/dagRuns/list", "", body, nil), 200, 400, 413, 422)
	})
}

func FuzzAdHocTaskBody(f *testing.F) {
	b := newFuzzBundle(f)
	for _, s := range []struct{ body, query string }{
		{`{"type": "echo", "args": {"msg": "hi"}, "wait": "30s"}`, ""},
		{`{"type": "scrape", "args": {"urls": ["https://example.org"], "max_pages": 20}, "queue": "scrape"}`, "wait=20ms"},
		{`{"type": "noop"}`, "wait=0.5"},
		{`{"type": "scrap"}`, ""},
		{`{"type": "echo", "args": [1]}`, ""},
		{`{"type": "echo", "wait": "soon"}`, ""},
		{`{"type": 5}`, ""},
		{`{}`, "wait=-3s"},
		{`{"type": "echo",`, ""},
	} {
		f.Add([]byte(s.body), s.query)
	}
	f.Fuzz(func(t *testing.T, body []byte, query string) {
		w := b.do("POST", "/api/dagworker/v1/tasks", query, body, nil)
		checkAnswer(t, w, 200, 201, 400, 413, 422)
		if w.Code < 300 {
			var got map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			require.Contains(t, []string{"echo", "noop", "scrape"}, got["type"], "only known types are accepted")
		}
	})
}

func FuzzParseWait(f *testing.F) {
	for _, s := range []string{"60s", "2m", "1h30m", "60", "0.25", "0", "", "-1s", "-0", "1e400", "NaN", "Inf", "9223372036854775807s", "soon", "1.5.2s"} {
		f.Add(s)
	}
	const maxWait = 5 * time.Minute
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseWait(s, maxWait)
		if err != nil {
			var ae *apiError
			require.True(t, errors.As(err, &ae), "%T", err)
			require.Equal(t, http.StatusUnprocessableEntity, ae.status)
			return
		}
		require.GreaterOrEqual(t, d, time.Duration(0), "wait %q", s)
		require.LessOrEqual(t, d, maxWait, "wait %q", s)
	})
}

func FuzzAuthorization(f *testing.F) {
	b := newFuzzBundle(f)
	jwt, err := b.s.signJWT(User{Name: "admin", Scope: ScopeTrigger})
	require.NoError(f, err)
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	for _, h := range []string{
		"Bearer " + readTok, "bearer  " + triggerTok + " ", "Bearer " + jwt, "Bearer " + jwt[:len(jwt)-2] + "AA",
		basic("admin", "s3cret-pass"), basic("viewer", "wrong"), basic("airflow", triggerTok), basic("", ""),
		"Basic !!!", "Basic " + base64.StdEncoding.EncodeToString([]byte("no-colon")), "Bearer ", "Bearer a.b.c",
		"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Token abc", "", " ", "Digest x",
	} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		w := b.do("GET", "/api/v2/dags", "", nil, http.Header{"Authorization": {h}})
		checkAnswer(t, w, 200, 401)
		if w.Code == 200 {
			require.True(t, validCredential(b.s, h), "authorised with %q", h)
		}
	})
}

// validCredential is the fuzz oracle for FuzzAuthorization: the header
// holds a configured token, a JWT the server signed, or a user's (or
// token-as-password) HTTP Basic credential.
func validCredential(s *Server, h string) bool {
	scheme, cred, _ := strings.Cut(h, " ")
	tokens := []string{readTok, triggerTok}
	switch strings.ToLower(scheme) {
	case "bearer":
		cred = strings.TrimSpace(cred)
		_, jwtOK := s.verifyJWT(cred)
		return slices.Contains(tokens, cred) || jwtOK
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return false
		}
		u, p, ok := strings.Cut(string(raw), ":")
		return ok && (u == "admin" && p == "s3cret-pass" || u == "viewer" && p == "view-pass" || slices.Contains(tokens, p))
	}
	return false
}

func FuzzTokenLogin(f *testing.F) {
	b := newFuzzBundle(f)
	for _, s := range []struct{ body, ctype string }{
		{`{"username": "admin", "password": "s3cret-pass"}`, "application/json"},
		{`username=viewer&password=view-pass`, "application/x-www-form-urlencoded"},
		{`{"username": "admin"}`, "application/json"},
		{`{"username": 1}`, "application/json"},
		{`username=%zz`, "application/x-www-form-urlencoded"},
		{`{`, "text/plain"},
	} {
		f.Add([]byte(s.body), s.ctype)
	}
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		w := b.do("POST", "/auth/token", "", body, http.Header{"Content-Type": {ctype}, "Authorization": nil})
		checkAnswer(t, w, 201, 400, 401, 413, 415, 422)
	})
}
