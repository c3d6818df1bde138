package coordinator_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func expectedIDs(start time.Time, n int) []string {
	ids := make([]string, n)
	for i := range n {
		ids[i] = "scheduled__" + start.Add(time.Duration(i)*time.Hour).UTC().Format(time.RFC3339)
	}
	return ids
}

// Two replicas ticking at the same moment (two leaders for a moment) still
// create one run per interval.
func TestConcurrentTicksCreateOneRunPerInterval(t *testing.T) {
	t.Parallel()
	tb := setup(t, map[string]string{"hourly.yaml": hourlyDAG})
	_, err := tb.folder.Load(t.Context())
	require.NoError(t, err)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := newFakeClock(start.Add(30*time.Hour + 30*time.Minute))
	a, b := tb.coordinator(t, clock), tb.coordinator(t, clock)

	var wg sync.WaitGroup
	for _, c := range []interface {
		Tick(context.Context) (time.Time, error)
	}{a, b, a, b} {
		wg.Go(func() {
			_, err := c.Tick(t.Context())
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.Equal(t, expectedIDs(start, 30), tb.runIDs(t, "hourly"))

	wake, err := a.Tick(t.Context())
	require.NoError(t, err)
	require.Equal(t, start.Add(31*time.Hour), wake.UTC())
	require.Len(t, tb.runIDs(t, "hourly"), 30)
}

// Two coordinators run side by side over 30 simulated hours; the leader is
// stopped half way and the other takes over. Every interval gets exactly one
// run.
func TestTwoCoordinatorsThirtyIntervals(t *testing.T) {
	t.Parallel()
	tb := setup(t, map[string]string{"hourly.yaml": hourlyDAG})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := newFakeClock(start.Add(30 * time.Minute))
	type replica struct {
		c      interface{ IsLeader() bool }
		cancel context.CancelFunc
	}
	var wg sync.WaitGroup
	var replicas []replica
	for range 2 {
		c := tb.coordinator(t, clock)
		ctx, cancel := context.WithCancel(t.Context())
		wg.Go(func() { require.NoError(t, c.Run(ctx)) })
		replicas = append(replicas, replica{c, cancel})
	}
	t.Cleanup(func() {
		for _, r := range replicas {
			r.cancel()
		}
		wg.Wait()
	})

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	leader := func() int {
		for i, r := range replicas {
			if r.c.IsLeader() {
				return i
			}
		}
		return -1
	}
	waitFor("a leader", func() bool { return leader() >= 0 })
	stopped := -1
	for i := 1; i <= 30; i++ {
		clock.Advance(time.Hour)
		waitFor(fmt.Sprintf("run %d", i), func() bool { return len(tb.runIDs(t, "hourly")) >= i })
		if i == 15 {
			stopped = leader()
			require.GreaterOrEqual(t, stopped, 0)
			replicas[stopped].cancel()
			waitFor("the other replica to lead", func() bool { return replicas[1-stopped].c.IsLeader() })
		}
	}
	// Let the leader tick once more with nothing due.
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, expectedIDs(start, 30), tb.runIDs(t, "hourly"))
}

func TestPausedDAGGetsNoRuns(t *testing.T) {
	t.Parallel()
	tb := setup(t, map[string]string{
		"hourly.yaml": hourlyDAG,
		"born_paused.yaml": `
born_paused:
  schedule: "@hourly"
  start_date: 2026-01-01T00:00:00Z
  is_paused_upon_creation: true
  tasks:
    - task_id: a
      operator: noop
`,
	})
	_, err := tb.folder.Load(t.Context())
	require.NoError(t, err)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := newFakeClock(start.Add(3*time.Hour + time.Minute))
	c := tb.coordinator(t, clock)
	ctx := t.Context()
	require.NoError(t, c.Pauses().SetPaused(ctx, "hourly", true))

	_, err = c.Tick(ctx)
	require.NoError(t, err)
	require.Empty(t, tb.runIDs(t, "hourly"))
	require.Empty(t, tb.runIDs(t, "born_paused"))

	require.NoError(t, c.Pauses().SetPaused(ctx, "hourly", false))
	require.NoError(t, c.Pauses().SetPaused(ctx, "born_paused", false))
	paused, set, err := c.Pauses().Paused(ctx, "hourly")
	require.NoError(t, err)
	require.True(t, set)
	require.False(t, paused)
	_, err = c.Tick(ctx)
	require.NoError(t, err)
	require.Equal(t, expectedIDs(start, 3), tb.runIDs(t, "hourly"), "catchup after unpausing")
	require.Equal(t, expectedIDs(start.Add(2*time.Hour), 1), tb.runIDs(t, "born_paused"), "no catchup: latest only")
}
