package engine_test

import (
	"context"
	"testing"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/stretchr/testify/require"
)

func TestClearFailedRunReruns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		onlyFailed bool
		// wantTries is the try number of each task after the rerun.
		wantTries map[string]int
	}{
		{"only failed", true, map[string]int{"first": 1, "flaky": 2, "after": 1}},
		{"all", false, map[string]int{"first": 2, "flaky": 2, "after": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			ctx := context.Background()
			d := parseDAG(t, `
clear_me:
  schedule: null
  start_date: 2026-01-01
  tasks:
    - {task_id: first, operator: echo, msg: hi}
    - {task_id: flaky, operator: fail, until_try: 2, dependencies: [first]}
    - {task_id: after, operator: noop, dependencies: [flaky]}
`)
			res, err := b.eng.CreateRun(ctx, d, engine.RunOptions{RunID: "r1"})
			require.NoError(t, err)
			run := res.Run.RunID
			require.Equal(t, "failed", string(b.wait(t, "clear_me", run).State))
			require.Equal(t, "upstream_failed", string(b.ti(t, "clear_me", run, "after").State))

			n, err := b.eng.ClearRun(ctx, "clear_me", run, tc.onlyFailed)
			require.NoError(t, err)
			require.Equal(t, map[bool]int{true: 2, false: 3}[tc.onlyFailed], n)
			require.Equal(t, "success", string(b.wait(t, "clear_me", run).State))
			for task, try := range tc.wantTries {
				require.Equal(t, try, b.ti(t, "clear_me", run, task).TryNumber, task)
			}

			require.NoError(t, b.eng.DeleteRun(ctx, "clear_me", run))
			_, err = b.store.GetRun(ctx, "clear_me", run)
			require.Error(t, err)
		})
	}
}
