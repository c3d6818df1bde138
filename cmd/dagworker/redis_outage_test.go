package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/stretchr/testify/require"
)

// TestRedisOutageAnswers503: while the API's Redis is down, a trigger gets
// 503 with Retry-After in Airflow's error shape and /readyz fails; once
// Redis is back both recover.
// Before: the trigger answered 500 "internal error" after ~4s.
func TestRedisOutageAnswers503(t *testing.T) {
	t.Parallel()
	srv := redistest.StartOwn(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "out.yaml"), []byte(`
outage:
  tasks:
    - {task_id: a, operator: noop}
`), 0o644))
	fs := newFlagSet("serve", io.Discard)
	rf := addRoleFlags(fs, redisRequired)
	require.NoError(t, parseFlags(fs, []string{"--dags", dir, "--api-open", "--addr", "127.0.0.1:0"}))
	r, err := newRole(t.Context(), rf, srv.URL(), slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	t.Cleanup(r.close)
	h, err := newHTTPHandler(r)
	require.NoError(t, err)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)

	trigger := func() (*http.Response, map[string]any) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "POST", hs.URL+"/api/v2/dags/outage/dagRuns", strings.NewReader(`{}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp, body
	}
	ready := func() int {
		t.Helper()
		resp, err := http.Get(hs.URL + "/readyz")
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}

	resp, body := trigger()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	require.Equal(t, http.StatusOK, ready())

	srv.Kill()
	resp, body = trigger()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%v", body)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Contains(t, body["detail"], "Redis")
	require.Equal(t, http.StatusServiceUnavailable, ready())

	require.NoError(t, srv.Restart(t.Context()))
	waitUntil(t, 20*time.Second, "/readyz to recover", func() bool { return ready() == http.StatusOK })
	resp, body = trigger()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
}

// BenchmarkRedisOutageTrigger measures how long a trigger takes to answer
// while Redis is down (before: ~4s and a 500).
func BenchmarkRedisOutageTrigger(b *testing.B) {
	srv := redistest.StartOwn(b)
	dir := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "out.yaml"), []byte("outage:\n  tasks:\n    - {task_id: a, operator: noop}\n"), 0o644))
	fs := newFlagSet("serve", io.Discard)
	rf := addRoleFlags(fs, redisRequired)
	require.NoError(b, parseFlags(fs, []string{"--dags", dir, "--api-open", "--addr", "127.0.0.1:0"}))
	r, err := newRole(b.Context(), rf, srv.URL(), slog.New(slog.DiscardHandler), nil)
	require.NoError(b, err)
	defer r.close()
	h, err := newHTTPHandler(r)
	require.NoError(b, err)
	hs := httptest.NewServer(h)
	defer hs.Close()
	srv.Kill()
	for b.Loop() {
		resp, err := http.Post(hs.URL+"/api/v2/dags/outage/dagRuns", "application/json", strings.NewReader(`{}`))
		require.NoError(b, err)
		resp.Body.Close()
		require.Equal(b, http.StatusServiceUnavailable, resp.StatusCode)
	}
	b.StopTimer()
	// Redis back: the client's background redial ends.
	require.NoError(b, srv.Restart(b.Context()))
	require.NoError(b, r.conn.rdb.Ping(b.Context()).Err())
}
