package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/redistest"
)

// TestServeWebUI runs dagworker serve with API users and checks the web UI
// is served at / beside the API: the login redirect, the login form, the
// DAG list, a run triggered from the form, and the read-only user's 403.
func TestServeWebUI(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	dir := t.TempDir()
	// The task's own queue: the test Redis is shared, "default" is not ours.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.yaml"), []byte(`
hello:
  tags: [demo]
  tasks:
    - task_id: greet
      operator: echo
      queue: `+env.Queue("ui")+`
      msg: hi
`), 0o644))
	addr := metricsFreeAddr(t)
	args := []string{"serve", "--redis-url", env.URL, "--key-prefix", env.Prefix, "--dags", dir, "--addr", addr,
		"--queues", env.Queue("ui"), "--blob-url", "file://" + filepath.ToSlash(t.TempDir()),
		"--api-users", "admin:admin-pw,viewer:viewer-pw:read"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, io.Discard, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	base := "http://" + addr
	require.Eventually(t, func() bool { code, _ := metricsGet(t, base+"/healthz"); return code == http.StatusOK }, 20*time.Second, 20*time.Millisecond)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	get := func(path string) (int, string) {
		res, err := c.Get(base + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	post := func(path string, form url.Values) (int, string) {
		res, err := c.PostForm(base+path, form)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)

	code, body := get("/")
	require.Equal(t, 200, code)
	require.Contains(t, body, `id="login-form"`, "/ redirects to the login page")
	code, body = post("/login", url.Values{"csrf": {csrf.FindStringSubmatch(body)[1]}, "username": {"admin"}, "password": {"admin-pw"}})
	require.Equal(t, 200, code)
	require.Contains(t, body, `data-dag="hello"`)
	code, body = get("/dags/hello")
	require.Equal(t, 200, code)
	code, body = post("/dags/hello/trigger", url.Values{"csrf": {csrf.FindStringSubmatch(body)[1]}, "conf": {`{"x": 1}`}, "run_id": {"web1"}})
	require.Equal(t, 200, code, body)
	require.Contains(t, body, `data-task="greet"`)
	require.Eventually(t, func() bool {
		_, body := get("/dags/hello/runs/web1")
		return strings.Contains(body, `id="run-state" data-state="success"`)
	}, 30*time.Second, 50*time.Millisecond)
	// The API still answers beside the UI.
	req, _ := http.NewRequest("GET", base+"/api/v2/dags/hello/dagRuns", nil)
	req.SetBasicAuth("viewer", "viewer-pw")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, string(b), `"dag_run_id":"web1"`)

	// The read-scope user gets no trigger form and a 403 on posting.
	viewer := &http.Client{Timeout: 20 * time.Second}
	req, _ = http.NewRequest("POST", base+"/dags/hello/trigger", strings.NewReader("conf=%7B%7D"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("viewer", "viewer-pw")
	res, err = viewer.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusForbidden, res.StatusCode)
}
