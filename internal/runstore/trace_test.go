package runstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTraceParentCarriedAndRunSpanClaimedOnce: a run created with a trace
// context hands it out with every dispatch (roots, downstream tries, retry
// timers, the reconcile's re-reads), and its span fields go to the first
// claim after the run ended, never to a second one; a run without one
// stores nothing.
func TestTraceParentCarriedAndRunSpanClaimedOnce(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, backend)
			ctx := context.Background()
			const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
			const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01"
			res, err := b.store.CreateRun(ctx, NewRun{DAG: chain("d", 2), RunID: "r", TraceParent: tp, TraceParentOf: parent})
			require.NoError(t, err)
			require.Len(t, res.Dispatch, 1)
			require.Equal(t, tp, res.Dispatch[0].TraceParent, "the root's dispatch")
			un, err := b.store.UnfinishedTasks(ctx, "d", "r")
			require.NoError(t, err)
			require.Len(t, un, 1)
			require.Equal(t, tp, un[0].TraceParent, "the reconcile's view")

			_, ok, err := b.store.ClaimRunSpan(ctx, "d", "r")
			require.NoError(t, err)
			require.False(t, ok, "a running run has no span yet")

			// ta fails once (retry timer), then succeeds; tb succeeds.
			_, err = b.store.StartTry(ctx, "d", "r", "ta", 1, "h")
			require.NoError(t, err)
			cr, err := b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "ta", Try: 1, Outcome: OutcomeFailed})
			require.NoError(t, err)
			require.Len(t, cr.Dispatch, 1)
			require.False(t, cr.Dispatch[0].RetryAt.IsZero())
			require.Equal(t, tp, cr.Dispatch[0].TraceParent, "the retry timer")
			ds, err := b.store.RetryDue(ctx, "d", "r", "ta", 1)
			require.NoError(t, err)
			require.Len(t, ds, 1)
			require.Equal(t, tp, ds[0].TraceParent, "the retry")
			_, err = b.store.StartTry(ctx, "d", "r", "ta", 2, "h")
			require.NoError(t, err)
			cr, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "ta", Try: 2, Outcome: OutcomeSuccess})
			require.NoError(t, err)
			require.Len(t, cr.Dispatch, 1)
			require.Equal(t, tp, cr.Dispatch[0].TraceParent, "the downstream try")
			_, err = b.store.StartTry(ctx, "d", "r", "tb", 1, "h")
			require.NoError(t, err)
			cr, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "tb", Try: 1, Outcome: OutcomeSuccess})
			require.NoError(t, err)
			require.Equal(t, RunSuccess, cr.RunState)

			rs, ok, err := b.store.ClaimRunSpan(ctx, "d", "r")
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, tp, rs.TraceParent)
			require.Equal(t, parent, rs.TraceParentOf)
			require.Equal(t, RunSuccess, rs.State)
			require.Equal(t, b.now, rs.StartDate)
			require.Equal(t, b.now, rs.EndDate)
			_, ok, err = b.store.ClaimRunSpan(ctx, "d", "r")
			require.NoError(t, err)
			require.False(t, ok, "claimed once")

			plain, err := b.store.CreateRun(ctx, NewRun{DAG: chain("d", 1), RunID: "plain"})
			require.NoError(t, err)
			require.Empty(t, plain.Dispatch[0].TraceParent)
			has, err := b.store.rdb.HExists(ctx, b.store.keys.Run("d", "plain"), "tp").Result()
			require.NoError(t, err)
			require.False(t, has)
			_, err = b.store.FinishRun(ctx, "d", "plain", RunFailed, "stop")
			require.NoError(t, err)
			_, ok, err = b.store.ClaimRunSpan(ctx, "d", "plain")
			require.NoError(t, err)
			require.False(t, ok, "a run created without tracing has no span")
		})
	}
}
