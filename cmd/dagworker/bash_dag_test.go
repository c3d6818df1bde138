package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/redistest"
)

// TestBashInADAG: a bash task's last line is its XCom for the next task, an
// exit code 99 skips the task and its all_success downstream, and a
// process run with --allow-operators that leaves bash out refuses it.
func TestBashInADAG(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sh.yaml"), []byte(`
shell:
  params: {who: world}
  tasks:
    - {task_id: greet, operator: bash, bash_command: 'echo "working..."; echo "hello $WHO"', env: {WHO: "{{ params.who }}"}}
    - task_id: show
      operator: bash
      dependencies: [greet]
      bash_command: test "{{ ti.xcom_pull(task_ids='greet') }}" = "hello world"
    - {task_id: maybe, operator: bash, bash_command: "exit 99"}
    - {task_id: after_maybe, operator: noop, dependencies: [maybe]}
`), 0o644))
	env := redistest.New(t)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"dags", "test", "shell", "--dags", dir, "--redis-url", env.URL, "--blob-url", "mem://"}, &out, &errOut)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	for _, want := range []string{"greet        success", "show         success", "maybe        skipped", "after_maybe  skipped"} {
		require.Contains(t, out.String(), want)
	}
	require.NotContains(t, errOut.String(), "try failed", "a skip is not a failure")

	out.Reset()
	errOut.Reset()
	err = run(context.Background(), []string{"dags", "test", "shell", "--dags", dir, "--redis-url", env.URL, "--blob-url", "mem://",
		"--allow-operators", "echo,noop"}, &out, &errOut)
	require.Error(t, err)
	require.Contains(t, out.String(), `operator "bash"`)
}

// TestAdHocRefusesBash: the API's ad-hoc tasks cannot run shell commands.
func TestAdHocRefusesBash(t *testing.T) {
	t.Parallel()
	types := adHocTaskTypes()
	require.NotContains(t, types, "bash")
	require.NotContains(t, types, "http")
	require.NotContains(t, types, "notion")
	require.Contains(t, types, "classify")
}
