package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/api/airflowspec"
	"github.com/dagworker/dagworker/tasks/conn"

	"github.com/dagworker/dagworker/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// specEnv names Airflow's OpenAPI document; the default is relative to the
// repository root.
const specEnv = "DAGWORKER_AIRFLOW_SPEC"

var airflowSpec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// loadAirflowSpec loads $DAGWORKER_AIRFLOW_SPEC, else ../shared/airflow/v2.yaml,
// else the document embedded in airflowspec (generated from it, the served
// operations only), once: responses are always checked against Airflow's
// document. With the env var a missing file fails.
func loadAirflowSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	s := &airflowSpec
	s.once.Do(func() {
		// GET .../wait streams NDJSON, a string in Airflow's document.
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
		path, set := os.LookupEnv(specEnv)
		if !set {
			root := "."
			for i := 0; i < 6; i++ {
				if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
					break
				}
				root = filepath.Join(root, "..")
			}
			path = filepath.Join(root, "..", "shared", "airflow", "v2.yaml")
			if _, err := os.Stat(path); err != nil {
				s.doc, s.err = airflowspec.GetSpec()
				if s.err == nil {
					s.router, s.err = gorillamux.NewRouter(s.doc)
				}
				return
			}
		}
		s.doc, s.err = openapi3.NewLoader().LoadFromFile(path)
		if s.err == nil {
			// The client's generator writes OpenAPI 3.0 "nullable" under a
			// 3.1 header; kin-openapi honours nullable only for 3.0.
			s.doc.OpenAPI = "3.0.3"
			s.router, s.err = gorillamux.NewRouter(s.doc)
		}
	})
	require.NoError(t, s.err)
	return s.doc, s.router
}

// bundle is one API server under test.
type bundle struct {
	srv   *httptest.Server
	api   *Server
	be    *memBackend
	now   time.Time
	nowMu sync.Mutex
	spec  routers.Router
}

const (
	readTok    = "read-token-0123456789"
	triggerTok = "trigger-token-0123456789"
)

var testDAGs = []DAGInfo{
	{ID: "nightly_sites", Description: "Scrape, classify, render", File: "dags/nightly.yaml", Schedule: "0 2 * * *", Tags: []string{"nightly"}, Owners: []string{"data-team"}},
	{ID: "adhoc_report", File: "dags/adhoc.yaml", Tags: []string{"manual", "report"}, Owners: []string{"ops"}, PausedUponCreation: true},
}

func setup(t *testing.T, mutate ...func(*Config)) *bundle {
	t.Helper()
	_, router := loadAirflowSpec(t)
	b := &bundle{be: newMemBackend(testDAGs...), now: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC), spec: router}
	cfg := Config{
		DAGs: b.be, Pauses: b.be, Runs: b.be, Editor: b.be, Tasks: b.be, Runner: b.be, Variables: newMemVariables(), Pools: newMemPools(),
		Connections:  noConnections{},
		Users:        []User{{Name: "admin", Password: "s3cret-pass", Scope: ScopeTrigger}, {Name: "viewer", Password: "view-pass", Scope: ScopeRead}},
		Tokens:       []Token{{Token: readTok, Scope: ScopeRead}, {Token: triggerTok, Scope: ScopeTrigger}},
		JWTSecret:    []byte("0123456789abcdef0123456789abcdef"),
		MaxBodyBytes: 4 << 10,
		MaxWait:      2 * time.Second,
		PollInterval: 5 * time.Millisecond,
		Clock:        b.clock,
	}
	for _, f := range mutate {
		f(&cfg)
	}
	var err error
	b.api, err = New(cfg)
	require.NoError(t, err)
	b.srv = httptest.NewServer(b.api)
	t.Cleanup(b.srv.Close)
	return b
}

func (b *bundle) clock() time.Time {
	b.nowMu.Lock()
	defer b.nowMu.Unlock()
	b.now = b.now.Add(time.Millisecond)
	return b.now
}

func (b *bundle) advance(d time.Duration) {
	b.nowMu.Lock()
	defer b.nowMu.Unlock()
	b.now = b.now.Add(d)
}

// resp is one answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	return m
}

// req sends a request with auth ("" none, "bearer:<tok>", "basic:<u>:<p>")
// and validates the response against Airflow's document when the operation
// is one we share with Airflow and the status is one Airflow defines.
func (b *bundle) req(t *testing.T, method, path, auth string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		data, err := json.Marshal(v)
		require.NoError(t, err)
		rd = bytes.NewReader(data)
	}
	r, err := http.NewRequest(method, b.srv.URL+path, rd)
	require.NoError(t, err)
	if body != nil {
		r.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	switch {
	case strings.HasPrefix(auth, "bearer:"):
		r.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(auth, "bearer:"))
	case strings.HasPrefix(auth, "basic:"):
		u, p, _ := strings.Cut(strings.TrimPrefix(auth, "basic:"), ":")
		r.SetBasicAuth(u, p)
	}
	res, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := resp{status: res.StatusCode, header: res.Header, body: data}
	b.validate(t, r, out)
	return out
}

// validate checks a response of a shared operation against Airflow's document.
func (b *bundle) validate(t *testing.T, r *http.Request, out resp) {
	t.Helper()
	if b.spec == nil || !strings.HasPrefix(r.URL.Path, "/api/v2/") || strings.HasSuffix(r.URL.Path, "/sensor") || r.URL.Path == "/api/v2/openapi.json" {
		return
	}
	route, params, err := b.spec.FindRoute(r)
	if err != nil {
		return // not an Airflow operation (e.g. a method Airflow lacks)
	}
	if route.Operation.Responses.Status(out.status) == nil {
		// Our documented extensions: 202 of trigger-and-wait, 413, 400 from
		// malformed JSON where Airflow answers 422. 204 and 409 are Airflow's
		// own answers its document omits (DELETE /dags/{dag_id}).
		require.Contains(t, []int{http.StatusAccepted, http.StatusRequestEntityTooLarge, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
			http.StatusNoContent, http.StatusConflict},
			out.status, "%s %s: status %d is not in Airflow's document: %s", r.Method, r.URL.Path, out.status, out.body)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: out.status, Header: out.header, Body: io.NopCloser(bytes.NewReader(out.body)), Options: in.Options,
	})
	require.NoError(t, err, "%s %s → %d does not match Airflow's document: %s", r.Method, r.URL.Path, out.status, out.body)
}

// noConnections is a connection source with none.
type noConnections struct{}

func (noConnections) List() []conn.Connection { return nil }
