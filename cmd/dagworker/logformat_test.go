package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/stretchr/testify/require"
)

// TestLogFormatJSON: with --log-format json every log line is a JSON object
// (slog's JSON handler), and a try's lines carry dag_id, run_id and
// task_id; --log-level and its env twin pick the level.
func TestLogFormatJSON(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "j.yaml"), []byte(`
logs_json:
  tasks:
    - {task_id: hello, operator: echo, message: hi}
`), 0o644))
	env := redistest.New(t)
	var out, errOut bytes.Buffer
	t.Setenv("DAGWORKER_LOG_LEVEL", "debug")
	err := run(context.Background(), []string{"dags", "test", "logs_json", "--dags", dir, "--redis-url", env.URL,
		"--blob-url", "mem://", "--log-format", "json"}, &out, &errOut)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	require.NotEmpty(t, lines)
	var tried, debug bool
	for _, l := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), "a log line that is not JSON: %q", l)
		require.Contains(t, rec, "msg")
		require.Contains(t, rec, "level")
		if rec["msg"] == "try succeeded" {
			tried = true
			require.Equal(t, "logs_json", rec["dag_id"])
			require.NotEmpty(t, rec["run_id"])
			require.Equal(t, "hello", rec["task_id"])
		}
		debug = debug || rec["level"] == "DEBUG"
	}
	require.True(t, tried, "the try logged its outcome:\n%s", errOut.String())
	require.True(t, debug, "DAGWORKER_LOG_LEVEL=debug shows debug lines")

	errOut.Reset()
	err = run(context.Background(), []string{"dags", "test", "logs_json", "--dags", dir, "--redis-url", env.URL,
		"--log-format", "yaml"}, &out, &errOut)
	require.Error(t, err)
	require.Contains(t, errOut.String(), "want text or json")
}
