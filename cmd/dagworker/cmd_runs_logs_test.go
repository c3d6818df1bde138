package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/stretchr/testify/require"
)

func TestRunsLogsPrintsATrysLog(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	dir, lake := t.TempDir(), "file://"+filepath.ToSlash(t.TempDir())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "logs.yaml"), []byte(`
logs_demo:
  default_args: {retries: 1, retry_delay: 1s}
  tasks:
    - {task_id: flaky, operator: fail, until_try: 2, message: first try breaks}
`), 0o644))
	ctx := context.Background()
	var out, errOut bytes.Buffer
	require.NoError(t, run(ctx, []string{"dags", "test", "logs_demo", "--dags", dir, "--redis-url", env.URL,
		"--blob-url", lake}, &out, &errOut), errOut.String())
	m := regexp.MustCompile(`run (\S+): success`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())

	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr string
	}{
		{name: "first try", args: []string{"--try", "1"}, want: "first try breaks"},
		{name: "latest try", want: "try=2"},
		{name: "no such try", args: []string{"--try", "7"}, wantErr: "no try 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			args := append([]string{"runs", "logs", "logs_demo", m[1], "flaky", "--redis-url", env.URL, "--blob-url", lake}, tt.args...)
			err := run(ctx, args, &out, &errOut)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err, errOut.String())
			require.Contains(t, out.String(), tt.want)
		})
	}
}
