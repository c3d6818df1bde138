package apiclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDetail(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, want string }{
		{`{"detail": "DAG x not found"}`, "DAG x not found"},
		{`{"detail": [{"loc": ["body", "type"], "msg": "unknown task type \"x\"", "type": "enum"}]}`, `body.type: unknown task type "x"`},
		{`{"detail": [{"loc": ["a"], "msg": "m1"}, {"loc": ["b", 0], "msg": "m2"}]}`, "a: m1; b.0: m2"},
		{`not json`, "not json"},
		{`{"detail": {"k": 1}}`, `{"k": 1}`},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, detail([]byte(tt.body)), tt.body)
	}
}

func TestErrorsAndAuth(t *testing.T) {
	t.Parallel()
	var gotAuth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"detail": "gone"}`))
	}))
	defer srv.Close()
	for _, cfg := range []Config{{URL: srv.URL, Token: "tok"}, {URL: srv.URL + "/", User: "u", Password: "p"}} {
		c, err := New(cfg)
		require.NoError(t, err)
		_, err = c.Run(context.Background(), "d", "r/1")
		require.ErrorIs(t, err, ErrNotFound)
		var ae *Error
		require.True(t, errors.As(err, &ae))
		require.Equal(t, "gone", ae.Detail)
		require.Equal(t, "/api/v2/dags/d/dagRuns/r%2F1", ae.Path)
	}
	require.Equal(t, []string{"Bearer tok", "Basic dTpw"}, gotAuth)
	for _, bad := range []string{"", "ftp://x", "http://", "localhost:8080"} {
		_, err := New(Config{URL: bad})
		require.Error(t, err, bad)
	}
}
