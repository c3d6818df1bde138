package ui

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob/memblob"

	"github.com/dagworker/dagworker/internal/api"
	"github.com/dagworker/dagworker/internal/apiengine"
	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/builtin"
	"github.com/dagworker/dagworker/worker"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// Credentials of the test server.
const (
	adminUser, adminPass   = "admin", "admin-secret"
	viewerUser, viewerPass = "viewer", "viewer-secret"
	triggerTok, readTok    = "trigger-token-0123456789", "read-token-0123456789"
)

// testDAGs are the DAG files of the test server: a pipeline with a task
// group, params and an output, a DAG whose task fails on its first try,
// and a broken file.
var testDAGs = map[string]string{
	"pipeline.yaml": `
pipeline:
  description: fetch, check and report
  schedule: "0 2 * * *"
  start_date: 2026-01-01
  tags: [nightly, report]
  params:
    sites: 3
    label: demo
  task_groups:
    - group_name: extract
      tooltip: the fetch steps
  tasks:
    - task_id: fetch
      operator: echo
      task_group_name: extract
      msg: "sites {{ params.sites }}"
    - task_id: parse
      operator: echo
      task_group_name: extract
      msg: parsed
      dependencies: [fetch]
    - task_id: settle
      operator: sleep
      duration: 5s
      dependencies: [parse]
    - task_id: report
      operator: write_report
      dependencies: [settle]
    - task_id: notify
      operator: noop
      trigger_rule: all_done
      dependencies: [report]
`,
	"flaky.yaml": `
flaky:
  tags: [test]
  tasks:
    - task_id: first
      operator: echo
      msg: one
    - task_id: wobbly
      operator: fail
      until_try: 2
      dependencies: [first]
    - task_id: after
      operator: noop
      dependencies: [wobbly]
`,
	"slow.yaml": `
slow:
  tasks:
    - task_id: nap
      operator: sleep
      duration: 60s
`,
	"broken.yaml": "broken:\n  tasks:\n    - task_id: x\n      operator: noop\n      dependencies: [nowhere]\n",
}

// server is the UI and the API over the real engine, run store, Redis and a
// worker, on a loopback port: what dagworker serve runs.
type server struct {
	url   string
	store *runstore.Store
	eng   *engine.Engine
	be    *apiengine.EngineBackend
}

// writeReport is a task type writing report.pdf to the data lake.
func writeReport(ctx context.Context, t *tasks.Task) (any, error) {
	t.Logger.Info("writing the report")
	out, err := t.Lake.WriteOutput(ctx, t.Info, "report.pdf", "application/pdf", func(w io.Writer) (int, error) {
		_, err := w.Write(minimalPDF("dagworker test report " + t.Info.RunID))
		return 1, err
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"output": out}, nil
}

func startServer(tb testing.TB) *server {
	tb.Helper()
	env := redistest.New(tb)
	queue := env.Queue("default")
	st, err := runstore.New(runstore.Config{Client: env.Client(), KeyPrefix: env.Prefix})
	require.NoError(tb, err)
	client := asynq.NewClient(env.ConnOpt())
	tb.Cleanup(func() { _ = client.Close() })
	eng, err := engine.New(engine.Config{Store: st, Client: client, DefaultQueue: queue})
	require.NoError(tb, err)
	bucket := memblob.OpenBucket(nil)
	lake := tasks.NewLake(bucket, "mem://")
	w, err := worker.New(worker.Config{Redis: env.ConnOpt(), KeyPrefix: env.Prefix, Concurrency: 4,
		Queues: map[string]int{queue: 1}, Lake: lake, ShutdownTimeout: 5 * time.Second})
	require.NoError(tb, err)
	require.NoError(tb, builtin.Register(w))
	require.NoError(tb, w.Handle("write_report", tasks.HandlerFunc(writeReport)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	dir := tb.TempDir()
	for name, src := range testDAGs {
		require.NoError(tb, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	folder, err := coordinator.NewFolder(coordinator.FolderConfig{Dir: dir})
	require.NoError(tb, err)
	_, err = folder.Load(ctx)
	require.NoError(tb, err)
	be := &apiengine.EngineBackend{Engine: eng, Folder: folder.DAGs, Lake: lake, Errors: func() []api.ImportError {
		var out []api.ImportError
		for _, ie := range folder.ImportErrors() {
			out = append(out, apiengine.ImportErrorsOf(ie.File, ie.Err, ie.Since)...)
		}
		return out
	}}
	cfg := api.EngineConfig(be)
	inspector := asynq.NewInspector(env.ConnOpt())
	tb.Cleanup(func() { _ = inspector.Close() })
	cfg.Runner = &apiengine.AsynqRunner{Client: client, Inspector: inspector, Redis: env.Client(), KeyPrefix: env.Prefix,
		Lake: lake, DefaultQueue: queue}
	cfg.TaskTypes = []string{"echo", "fail", "noop", "sleep"}
	cfg.Users = []api.User{{Name: adminUser, Password: adminPass, Scope: api.ScopeTrigger}, {Name: viewerUser, Password: viewerPass, Scope: api.ScopeRead}}
	cfg.Tokens = []api.Token{{Token: triggerTok, Scope: api.ScopeTrigger}, {Token: readTok, Scope: api.ScopeRead}}
	srv, err := api.New(cfg)
	require.NoError(tb, err)
	web, err := New(Config{Auth: srv, DAGs: be, Details: be, Pauses: be, Runs: be, Editor: be, Tasks: be, Clearer: be,
		Runner: cfg.Runner, TaskTypes: cfg.TaskTypes, Queues: env.ConnOpt(), PollInterval: 300 * time.Millisecond})
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, web.Close()) })
	mux := http.NewServeMux()
	mux.Handle("/api/", srv)
	mux.Handle("/auth/", srv)
	mux.Handle("/", web)
	hs := httptest.NewServer(mux)
	tb.Cleanup(func() {
		hs.Close()
		cancel()
		require.NoError(tb, <-done)
		_ = bucket.Close()
	})
	return &server{url: hs.URL, store: st, eng: eng, be: be}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects (the tests look at them).
type browser struct {
	t   *testing.T
	c   *http.Client
	url string
}

func (s *server) client(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, url: s.url, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.url+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return page{status: res.StatusCode, header: res.Header, body: string(data)}
}

func (b *browser) get(path string) page { return b.do("GET", path, nil, nil) }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of a page's forms.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	require.NotNil(t, m, "no csrf field in the page")
	return m[1]
}

// login logs the browser in through the login form.
func (b *browser) login(user, pass string) {
	b.t.Helper()
	p := b.get("/login")
	require.Equal(b.t, 200, p.status)
	res := b.do("POST", "/login", url.Values{"csrf": {p.csrf(b.t)}, "username": {user}, "password": {pass}, "next": {"/"}}, nil)
	require.Equal(b.t, http.StatusSeeOther, res.status, res.body)
	require.Equal(b.t, "/", res.header.Get("Location"))
}

// waitRun waits until a run is finished and returns it.
func (s *server) waitRun(t testing.TB, dagID, runID string) api.Run {
	t.Helper()
	var run api.Run
	require.Eventually(t, func() bool {
		var err error
		run, err = s.be.Run(context.Background(), dagID, runID)
		return err == nil && run.State.Finished()
	}, 60*time.Second, 20*time.Millisecond, fmt.Sprintf("run %s/%s did not finish", dagID, runID))
	return run
}

var tlsState = tls.ConnectionState{}

// minimalPDF is a one-page PDF showing text in Helvetica (a standard font:
// nothing embedded), with a correct cross-reference table.
func minimalPDF(text string) []byte {
	content := "BT /F1 18 Tf 72 720 Td (" + strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(text) + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}
