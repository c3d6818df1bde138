package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/builtin"
	"github.com/dagworker/dagworker/worker"
)

func TestEnqueueArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base    string
		kv      []string
		want    string
		wantErr bool
	}{
		{"", []string{"msg=hi", "n=3", "list=[1,2]", "flag=true"}, `{"msg":"hi","n":3,"list":[1,2],"flag":true}`, false},
		{`{"a":1,"msg":"x"}`, []string{"msg=y"}, `{"a":1,"msg":"y"}`, false},
		{"", []string{"url=https://example.org/a=b"}, `{"url":"https://example.org/a=b"}`, false},
		{"", []string{"novalue"}, "", true},
		{"[1]", nil, "", true},
	}
	for _, tc := range tests {
		got, err := enqueueArgs(tc.base, tc.kv)
		if tc.wantErr {
			require.Error(t, err, tc.kv)
			continue
		}
		require.NoError(t, err)
		require.JSONEq(t, tc.want, string(got))
	}
}

func TestEnqueueWait(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	lakeDir := t.TempDir()
	lakeURL := "file://" + filepath.ToSlash(lakeDir)
	lake, err := tasks.OpenLake(context.Background(), lakeURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = lake.Close() })
	queue := env.Queue("adhoc")
	w, err := worker.New(worker.Config{Redis: env.ConnOpt(), KeyPrefix: env.Prefix, Concurrency: 2,
		Queues: map[string]int{queue: 1}, Lake: lake, ShutdownTimeout: 5 * time.Second})
	require.NoError(t, err)
	require.NoError(t, builtin.Register(w))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	tests := []struct {
		name     string
		args     []string
		wantErr  bool
		contains []string
	}{
		{"echo", []string{"echo", "--arg", "msg=hi", "--arg", "n=2"}, false, []string{"state: success", `"msg":"hi"`, `"n":2`}},
		{"fail", []string{"fail", "--args", `{"message":"nope"}`}, true, []string{"state: failed", "nope"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			args := append([]string{"enqueue"}, tc.args...)
			args = append(args, "--wait", "--timeout", "30s", "--queue", queue, "--redis-url", env.URL,
				"--key-prefix", env.Prefix, "--blob-url", lakeURL)
			err := run(context.Background(), args, &out, &errOut)
			if tc.wantErr {
				require.Equal(t, exitError(1), err, errOut.String())
			} else {
				require.NoError(t, err, errOut.String())
			}
			id := strings.SplitN(out.String(), "\n", 2)[0]
			require.NotContains(t, id, "/")
			for _, s := range tc.contains {
				require.Contains(t, out.String(), s)
			}
			// The try's log is in the lake under the adhoc identity.
			_, err = os.Stat(filepath.Join(lakeDir, "logs", "adhoc", id, tc.args[0], "1.log"))
			require.NoError(t, err)
		})
	}
}
