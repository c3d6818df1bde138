package httptask

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dagworker/dagworker/internal/ssrf"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/conn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// server is a small JSON service on loopback.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		user, pass, _ := r.BasicAuth()
		switch r.URL.Path {
		case "/v1/echo":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "query": r.URL.RawQuery, "body": string(body),
				"type": r.Header.Get("Content-Type"), "x": r.Header.Get("X-Team"), "user": user, "pass": pass,
				"items": []any{map[string]any{"id": 7}}})
		case "/v1/text":
			_, _ = io.WriteString(w, "plain answer")
		case "/v1/busy":
			http.Error(w, "try later", http.StatusServiceUnavailable)
		case "/v1/missing":
			http.Error(w, "no such thing", http.StatusNotFound)
		case "/v1/redirect":
			http.Redirect(w, r, "http://127.0.0.1:1/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	srv := server(t)
	file := filepath.Join(t.TempDir(), "conns.json")
	conns := map[string]string{
		"svc":    "http://bot:s3cret@" + srv.Listener.Addr().String() + "/v1?allow_private=true",
		"public": "http://" + srv.Listener.Addr().String() + "/v1",
	}
	b, _ := json.Marshal(conns)
	require.NoError(t, os.WriteFile(file, b, 0o600))
	store, err := conn.Load(file)
	require.NoError(t, err)
	h, err := New(Config{Connections: store})
	require.NoError(t, err)
	tests := []struct {
		name      string
		args      map[string]any
		want      any // the XCom, JSON-compared
		errIs     error
		permanent bool
		errPart   string
	}{
		{name: "json post through a connection", args: map[string]any{"http_conn": "svc", "endpoint": "echo?a=1", "json": map[string]any{"k": "v"}, "headers": map[string]string{"X-Team": "data"},
			"response_filter": "$.body"}, want: `{"k":"v"}`},
		{name: "basic auth from the connection", args: map[string]any{"http_conn": "svc", "endpoint": "/echo", "method": "get", "response_filter": "user"}, want: "bot"},
		{name: "check on a json path", args: map[string]any{"http_conn": "svc", "endpoint": "echo", "response_check": map[string]any{"json_path": "items.0.id", "equals": 7},
			"response_filter": "items.0"}, want: map[string]any{"id": float64(7)}},
		{name: "check fails", args: map[string]any{"http_conn": "svc", "endpoint": "echo", "response_check": map[string]any{"json_path": "items.0.id", "equals": 8}},
			errIs: ErrCheck, permanent: true, errPart: "items.0.id is 7, want 8"},
		{name: "text body", args: map[string]any{"http_conn": "svc", "endpoint": "text", "method": "GET"},
			want: map[string]any{"status": float64(200), "body": "plain answer", "url": "http://bot@" + srv.Listener.Addr().String() + "/v1/text"}},
		{name: "5xx is retried", args: map[string]any{"http_conn": "svc", "endpoint": "busy"}, errIs: ErrStatus, errPart: "503"},
		{name: "4xx is final", args: map[string]any{"http_conn": "svc", "endpoint": "missing"}, errIs: ErrStatus, permanent: true, errPart: "404"},
		{name: "expected status", args: map[string]any{"http_conn": "svc", "endpoint": "missing", "response_check": map[string]any{"status": []int{404}}},
			want: map[string]any{"status": float64(404), "body": "no such thing\n", "url": "http://bot@" + srv.Listener.Addr().String() + "/v1/missing"}},
		{name: "loopback refused without the connection's consent", args: map[string]any{"http_conn": "public", "endpoint": "text"},
			errIs: ssrf.ErrBlocked, permanent: true, errPart: "allow_private=true"},
		{name: "a url is always guarded", args: map[string]any{"url": srv.URL + "/v1/text"}, errIs: ssrf.ErrBlocked, permanent: true},
		{name: "redirects are guarded", args: map[string]any{"url": "http://127.0.0.1:1/"}, errIs: ssrf.ErrBlocked, permanent: true},
		{name: "unknown connection", args: map[string]any{"http_conn": "nope"}, errIs: tasks.ErrInvalidArgs, permanent: true, errPart: "DAGWORKER_CONN_NOPE"},
		{name: "url and connection", args: map[string]any{"url": "https://example.org", "http_conn": "svc"}, errIs: tasks.ErrInvalidArgs, permanent: true},
		{name: "endpoint is a path", args: map[string]any{"http_conn": "svc", "endpoint": "http://evil.example/x"}, errIs: tasks.ErrInvalidArgs, permanent: true},
		{name: "bad method", args: map[string]any{"url": "https://example.org", "method": "BREW"}, errIs: tasks.ErrInvalidArgs, permanent: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, _ := json.Marshal(tc.args)
			v, err := h.Run(context.Background(), &tasks.Task{Type: "http", Args: raw})
			if tc.errIs != nil {
				require.ErrorIs(t, err, tc.errIs)
				require.ErrorContains(t, err, tc.errPart)
				require.Equal(t, tc.permanent, tasks.IsPermanent(err), "%v", err)
				return
			}
			require.NoError(t, err)
			got, _ := json.Marshal(v)
			want, _ := json.Marshal(tc.want)
			require.JSONEq(t, string(want), string(got))
		})
	}
}
