package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/stretchr/testify/require"
)

func TestDagsTestRunsToTheEnd(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "demo.yaml"), []byte(`
demo_ok:
  params: {who: world}
  default_args: {retries: 1, retry_delay: 1s}
  tasks:
    - {task_id: hello, operator: echo, msg: "hello {{ params.who }}"}
    - {task_id: flaky, operator: fail, until_try: 2, dependencies: [hello]}
demo_bad:
  tasks:
    - {task_id: boom, operator: fail, message: nope}
    - {task_id: after, operator: noop, dependencies: [boom]}
`), 0o644))
	tests := []struct {
		dag      string
		wantErr  bool
		contains []string
	}{
		{"demo_ok", false, []string{"demo_ok", ": success", "flaky  success  2"}},
		{"demo_bad", true, []string{": failed", "boom   failed", "nope", "after  upstream_failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.dag, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"dags", "test", tt.dag, "--dags", dir, "--redis-url", env.URL,
				"--blob-url", "mem://", "--conf", `{"who":"you"}`}, &out, &errOut)
			if tt.wantErr {
				require.Equal(t, exitError(1), err, errOut.String())
			} else {
				require.NoError(t, err, errOut.String())
			}
			for _, s := range tt.contains {
				require.Contains(t, out.String(), s)
			}
		})
	}
}
