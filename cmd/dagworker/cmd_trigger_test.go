package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/stretchr/testify/require"
)

// trigger --wait follows a run to the end and exits 1 when it failed;
// runs list and runs show print it.
func TestTriggerWaitAndRuns(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	queue := env.Queue("trigger")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(`
ok_dag:
  schedule: null
  default_args: {queue: `+queue+`}
  tasks:
    - {task_id: a, operator: noop}
    - {task_id: b, operator: noop, dependencies: [a]}
bad_dag:
  schedule: null
  default_args: {queue: `+queue+`, retries: 0}
  tasks:
    - {task_id: boom, operator: fail, message: on purpose}
`), 0o644))
	startBuiltinWorker(t, env, queue)

	common := []string{"--redis-url", env.URL, "--key-prefix", env.Prefix}
	tests := []struct {
		name   string
		args   []string
		err    error
		stdout []string
	}{
		{"success", []string{"trigger", "ok_dag", "--dags", dir, "--wait", "--run-id", "r1", "--conf", `{"x": 1}`},
			nil, []string{"triggered ok_dag run r1", "run r1: success", "a ", "b "}},
		{"replayed trigger", []string{"trigger", "ok_dag", "--dags", dir, "--run-id", "r1"},
			nil, []string{"exists already (success)"}},
		{"failure exits 1", []string{"trigger", "bad_dag", "--dags", dir, "--wait", "--run-id", "r2"},
			exitError(1), []string{"run r2: failed", "on purpose"}},
		{"list", []string{"runs", "list", "ok_dag"}, nil, []string{"RUN_ID", "r1", "success", "2/2"}},
		{"show", []string{"runs", "show", "ok_dag", "r1"}, nil, []string{"TASK", "HOSTNAME", "a ", "success", "1/1"}},
		{"bad conf", []string{"trigger", "ok_dag", "--dags", dir, "--conf", "[1]"}, nil, nil},
		{"unknown dag", []string{"trigger", "nope", "--dags", dir}, nil, nil},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := run(t.Context(), append(tt.args, common...), &out, &errb)
		switch {
		case tt.stdout == nil:
			require.Error(t, err, tt.name)
		case tt.err != nil:
			require.Equal(t, tt.err, err, tt.name)
		default:
			require.NoError(t, err, "%s: %s", tt.name, errb.String())
		}
		for _, s := range tt.stdout {
			require.Contains(t, out.String(), s, tt.name)
		}
		if tt.stdout != nil {
			// Straight to Redis, the command says where DAGs come from.
			require.Contains(t, errb.String(), "DAGs come from the local folder", tt.name)
		}
	}
	// ids the data lake cannot hold are refused with a clear error
	var out, errb bytes.Buffer
	err := run(t.Context(), append([]string{"trigger", "ok_dag", "--dags", dir, "--run-id", ".."}, common...), &out, &errb)
	require.ErrorContains(t, err, `run id "..": not a name`)
}
