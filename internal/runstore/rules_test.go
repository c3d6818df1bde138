package runstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// fanIn is a DAG u1, u2 → d (rule) → e, and x → u2 so u2 can be made
// upstream_failed by failing x.
func fanIn(rule string) *Snapshot {
	return &Snapshot{DagID: "rules", Version: "v1", Tasks: []SnapshotTask{
		{TaskID: "u1", Operator: "noop", TriggerRule: "all_success", Downstream: []string{"d"}},
		{TaskID: "x", Operator: "noop", TriggerRule: "all_success", Downstream: []string{"u2"}},
		{TaskID: "u2", Operator: "noop", TriggerRule: "all_success", Upstream: []string{"x"}, Downstream: []string{"d"}},
		{TaskID: "d", Operator: "noop", TriggerRule: rule, Upstream: []string{"u1", "u2"}},
	}}
}

// finish drives task to an outcome: s(uccess), f(ailed), k (skipped).
func (b *bundle) finish(t *testing.T, run, task string, o Outcome) *CompleteResult {
	t.Helper()
	ctx := context.Background()
	ti, err := b.store.TaskInstance(ctx, "rules", run, task)
	require.NoError(t, err)
	_, err = b.store.StartTry(ctx, "rules", run, task, ti.TryNumber, "h")
	require.NoError(t, err, task)
	res, err := b.store.Complete(ctx, Completion{DagID: "rules", RunID: run, TaskID: task, Try: ti.TryNumber, Outcome: o})
	require.NoError(t, err)
	return res
}

func TestTriggerRules(t *testing.T) {
	t.Parallel()
	const (
		S  = OutcomeSuccess
		F  = OutcomeFailedPermanent
		K  = OutcomeSkipped
		UF = Outcome("upstream_failed") // u2 via failing x
	)
	tests := []struct {
		rule   string
		u1, u2 Outcome
		// after1 is d's state after only u1 finished; want after both.
		after1, want TIState
	}{
		{"all_success", S, S, TINone, TIQueued},
		{"all_success", F, S, TIUpstreamFailed, TIUpstreamFailed},
		{"all_success", K, S, TISkipped, TISkipped},
		{"all_success", S, UF, TINone, TIUpstreamFailed},
		{"all_failed", F, UF, TINone, TIQueued},
		{"all_failed", S, F, TISkipped, TISkipped},
		{"all_failed", F, K, TINone, TISkipped},
		{"all_done", S, F, TINone, TIQueued},
		{"all_done", K, UF, TINone, TIQueued},
		{"all_skipped", K, K, TINone, TIQueued},
		{"all_skipped", K, S, TINone, TISkipped},
		{"all_skipped", F, K, TISkipped, TISkipped},
		{"one_success", S, F, TIQueued, TIQueued},
		{"one_success", F, F, TINone, TIUpstreamFailed},
		{"one_success", K, K, TINone, TISkipped},
		{"one_success", K, F, TINone, TIUpstreamFailed},
		{"one_failed", F, S, TIQueued, TIQueued},
		{"one_failed", S, UF, TINone, TIQueued},
		{"one_failed", S, S, TINone, TISkipped},
		{"one_done", S, K, TIQueued, TIQueued},
		{"one_done", F, K, TIQueued, TIQueued},
		{"one_done", K, UF, TINone, TISkipped},
		{"none_failed", S, K, TINone, TIQueued},
		{"none_failed", S, F, TINone, TIUpstreamFailed},
		{"none_failed", K, UF, TINone, TIUpstreamFailed},
		{"none_failed_min_one_success", S, K, TINone, TIQueued},
		{"none_failed_min_one_success", K, K, TINone, TISkipped},
		{"none_failed_min_one_success", F, S, TIUpstreamFailed, TIUpstreamFailed},
		{"none_skipped", S, F, TINone, TIQueued},
		{"none_skipped", K, S, TISkipped, TISkipped},
		{"none_skipped", S, UF, TINone, TIQueued},
		{"always", F, F, TIQueued, TIQueued},
	}
	for _, backend := range backends {
		for i, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s/%s_%s_%d", backend, tt.rule, tt.u1, tt.u2, i), func(t *testing.T) {
				t.Parallel()
				b := setupOn(t, backend)
				ctx := context.Background()
				_, err := b.store.CreateRun(ctx, NewRun{DAG: fanIn(tt.rule), RunID: "r"})
				require.NoError(t, err)
				state := func() TIState {
					ti, err := b.store.TaskInstance(ctx, "rules", "r", "d")
					require.NoError(t, err)
					return ti.State
				}
				if tt.rule == "always" {
					require.Equal(t, TIQueued, state(), "always is ready at run start")
				}
				b.finish(t, "r", "u1", tt.u1)
				require.Equal(t, tt.after1, state(), "after u1")
				if tt.u2 == UF {
					b.finish(t, "r", "x", F)
				} else {
					b.finish(t, "r", "x", S)
					b.finish(t, "r", "u2", tt.u2)
				}
				require.Equal(t, tt.want, state(), "after u2")
			})
		}
	}
}
