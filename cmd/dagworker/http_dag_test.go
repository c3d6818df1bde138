package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/redistest"
)

// TestHTTPInADAG: an http task calls a service through a connection from
// --connections and its filtered answer reaches the next task's template.
func TestHTTPInADAG(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"job": {"id": "j-42", "state": "accepted"}}`))
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	conns := filepath.Join(dir, "conns.json")
	require.NoError(t, os.WriteFile(conns, []byte(`{"jobs": "http://`+srv.Listener.Addr().String()+`/api?allow_private=true"}`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "call.yaml"), []byte(`
call:
  tasks:
    - task_id: submit
      operator: http
      http_conn: jobs
      endpoint: jobs
      json: {day: "{{ ds }}"}
      response_check: {json_path: job.state, equals: accepted}
      response_filter: job.id
    - task_id: check
      operator: bash
      dependencies: [submit]
      bash_command: test "{{ ti.xcom_pull(task_ids='submit') }}" = j-42
`), 0o644))
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"dags", "test", "call", "--dags", dir, "--redis-url", redistest.New(t).URL,
		"--blob-url", "mem://", "--connections", conns, "--logical-date", "2026-12-01"}, &out, &errOut)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, "2026-12-01", got["day"])
}
