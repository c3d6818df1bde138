package runstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestListRunsPages checks that paging and the state filter are applied by
// the store, across more runs than one scan chunk, with the right totals.
func TestListRunsPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const n = scanChunk + 88
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("r%04d", i)
		_, err := b.store.CreateRun(ctx, NewRun{DAG: chain("p", 1), RunType: RunScheduled, RunID: id, LogicalDate: base.Add(time.Duration(i) * time.Hour)})
		require.NoError(t, err)
		if i%3 == 0 {
			_, err := b.store.FinishRun(ctx, "p", id, RunFailed, "test")
			require.NoError(t, err)
		}
	}
	failed := (n + 2) / 3

	tests := []struct {
		name      string
		opt       ListRunsOptions
		first     string
		size      int
		wantTotal int
	}{
		{"all oldest first", ListRunsOptions{Limit: 10}, "r0000", 10, n},
		{"all newest first", ListRunsOptions{Limit: 10, Newest: true}, fmt.Sprintf("r%04d", n-1), 10, n},
		{"offset", ListRunsOptions{Offset: 5, Limit: 2}, "r0005", 2, n},
		{"failed", ListRunsOptions{Limit: 4, States: []RunState{RunFailed}}, "r0000", 4, failed},
		{"failed past a chunk", ListRunsOptions{Offset: 190, Limit: 3, States: []RunState{RunFailed}}, "r0570", 3, failed},
		{"failed newest", ListRunsOptions{Limit: 1, Newest: true, States: []RunState{RunFailed}}, fmt.Sprintf("r%04d", (n-1)/3*3), 1, failed},
		{"every unfinished or failed", ListRunsOptions{Offset: 1, Limit: 2, States: []RunState{RunQueued, RunRunning, RunFailed}}, "r0001", 2, n},
		{"offset beyond", ListRunsOptions{Offset: n, Limit: 5, States: []RunState{RunFailed}}, "", 0, failed},
		{"no such state", ListRunsOptions{States: []RunState{RunSuccess}}, "", 0, 0},
		{"unbounded", ListRunsOptions{States: []RunState{RunFailed}}, "r0000", failed, failed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs, total, err := b.store.ListRuns(ctx, "p", tc.opt)
			require.NoError(t, err)
			require.Equal(t, tc.wantTotal, total)
			require.Len(t, runs, tc.size)
			if tc.size > 0 {
				require.Equal(t, tc.first, runs[0].RunID)
			}
			for _, r := range runs {
				if len(tc.opt.States) == 1 {
					require.Equal(t, tc.opt.States[0], r.State, r.RunID)
				}
			}
		})
	}
}
