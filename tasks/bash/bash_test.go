package bash

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dagworker/dagworker/tasks"
)

func TestMain(m *testing.M) {
	// a variable of the worker's environment the commands may inherit
	if err := os.Setenv("DAGWORKER_BASH_TEST_INHERITED", "yes"); err != nil {
		panic(err)
	}
	goleak.VerifyTestMain(m)
}

// run runs one bash task with args and returns its value, error and log.
func run(ctx context.Context, t *testing.T, h *Handler, args map[string]any) (any, string, error) {
	t.Helper()
	raw, err := json.Marshal(args)
	require.NoError(t, err)
	var log bytes.Buffer
	task := &tasks.Task{Type: "bash", Args: raw, Logger: slog.New(slog.NewTextHandler(&log, nil)),
		Info: tasks.Info{DagID: "d", RunID: "r", TaskID: "sh", Try: 2}}
	v, err := h.Run(ctx, task)
	return v, log.String(), err
}

func TestBash(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	h, err := New(Config{Roots: []string{root}})
	require.NoError(t, err)
	tests := []struct {
		name    string
		args    map[string]any
		want    any    // the XCom value
		log     string // a part of the try's log
		errIs   error
		errPart string
	}{
		{name: "last line of stdout", args: map[string]any{"bash_command": "echo one; echo two >&2; echo three; echo"},
			want: "three", log: "line=two"},
		{name: "no xcom", args: map[string]any{"bash_command": "echo x", "do_xcom_push": false}, want: nil},
		{name: "context variables", args: map[string]any{"bash_command": `echo "$DAGWORKER_DAG_ID/$DAGWORKER_TASK_ID/$DAGWORKER_TRY"`}, want: "d/sh/2"},
		{name: "inherits the environment", args: map[string]any{"bash_command": `echo "$DAGWORKER_BASH_TEST_INHERITED"`}, want: "yes"},
		{name: "env replaces it", args: map[string]any{"bash_command": `echo "${DAGWORKER_BASH_TEST_INHERITED:-unset} $GREETING"`, "env": map[string]string{"GREETING": "hi; rm -rf /"}},
			want: "unset hi; rm -rf /"},
		{name: "append_env adds to it", args: map[string]any{"bash_command": `echo "$DAGWORKER_BASH_TEST_INHERITED $GREETING"`, "env": map[string]string{"GREETING": "hi"}, "append_env": true},
			want: "yes hi"},
		{name: "argv has no shell", args: map[string]any{"argv": []string{"echo", "$HOME", "a;b"}}, want: "$HOME a;b"},
		{name: "cwd in a root", args: map[string]any{"bash_command": "pwd", "cwd": root}, want: root},
		{name: "cwd outside the roots", args: map[string]any{"bash_command": "pwd", "cwd": os.TempDir()}, errIs: tasks.ErrInvalidArgs, errPart: "not inside the allowed folders"},
		{name: "failing command", args: map[string]any{"bash_command": "echo boom >&2; exit 3"}, errIs: ErrExit, errPart: "exit code 3; stderr: boom"},
		{name: "skip code", args: map[string]any{"bash_command": "exit 99"}, errIs: tasks.ErrSkip},
		{name: "own skip codes", args: map[string]any{"bash_command": "exit 7", "skip_on_exit_code": []int{7, 8}}, errIs: tasks.ErrSkip},
		{name: "99 fails when not a skip code", args: map[string]any{"bash_command": "exit 99", "skip_on_exit_code": 8}, errIs: ErrExit},
		{name: "no program", args: map[string]any{"argv": []string{"dagworker-no-such-program"}}, errIs: tasks.ErrInvalidArgs},
		{name: "neither", args: map[string]any{}, errIs: tasks.ErrInvalidArgs, errPart: "give bash_command"},
		{name: "both", args: map[string]any{"bash_command": "true", "argv": []string{"true"}}, errIs: tasks.ErrInvalidArgs, errPart: "not both"},
		{name: "latin-1", args: map[string]any{"bash_command": `printf 'caf\xe9\n'`, "output_encoding": "latin-1"}, want: "café"},
		{name: "invalid utf-8 is replaced", args: map[string]any{"bash_command": `printf 'caf\xe9\n'`}, want: "caf\uFFFD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, log, err := run(context.Background(), t, h, tc.args)
			if tc.errIs != nil {
				require.ErrorIs(t, err, tc.errIs)
				require.ErrorContains(t, err, tc.errPart)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, v)
			require.Contains(t, log, tc.log)
		})
	}
}

// TestTimeoutKillsTheProcessGroup: when the try's context ends, the
// script and the children it started are killed.
func TestTimeoutKillsTheProcessGroup(t *testing.T) {
	t.Parallel()
	h, err := New(Config{})
	require.NoError(t, err)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = run(ctx, t, h, map[string]any{"bash_command": "sleep 60 & echo $! > " + pidFile + "; wait"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 10*time.Second)
	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }, 5*time.Second, 20*time.Millisecond,
		"the background child %d is gone", pid)
}

// TestOutputIsBounded: a command writing far more than the log cap runs to
// its end; the log keeps the cap and counts the rest.
func TestOutputIsBounded(t *testing.T) {
	t.Parallel()
	h, err := New(Config{MaxLogBytes: 64 << 10, MaxLineBytes: 100})
	require.NoError(t, err)
	v, log, err := run(context.Background(), t, h, map[string]any{"bash_command": "head -c 20000000 /dev/zero | tr '\\0' x | fold -w 1000; echo; echo done"})
	require.NoError(t, err)
	require.Equal(t, "done", v)
	require.Less(t, len(log), 200<<10)
	require.Contains(t, log, "output over the log cap dropped")
	require.NotContains(t, log, strings.Repeat("x", 101), "lines are cut at MaxLineBytes")
}
