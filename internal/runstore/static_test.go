package runstore

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A try dispatched with its static fields runs from them: the completion
// step takes it from queued to its outcome, recording the start and host the
// worker reports, and still fences a try that is not current.
func TestCompleteFromQueued(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, backend)
			ctx := context.Background()
			res, err := b.store.CreateRun(ctx, NewRun{DAG: chain("d", 2), RunID: "r"})
			require.NoError(t, err)
			d := res.Dispatch[0]
			require.NotEmpty(t, d.Static)

			_, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "ta", Try: 2, Outcome: OutcomeSuccess})
			require.ErrorIs(t, err, ErrFenced, "a try that was never dispatched")

			started := b.now.Add(-1500 * time.Millisecond)
			cr, err := b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "ta", Try: 1,
				Outcome: OutcomeSuccess, Record: Try{StartDate: started, Hostname: "w1"}})
			require.NoError(t, err)
			require.Equal(t, TISuccess, cr.State)
			require.Len(t, cr.Dispatch, 1)
			require.Equal(t, "tb", cr.Dispatch[0].TaskID)
			require.NotEmpty(t, cr.Dispatch[0].Static, "a downstream try carries its static fields too")
			require.Equal(t, b.now, cr.Dispatch[0].RunStart)

			ti, err := b.store.TaskInstance(ctx, "d", "r", "ta")
			require.NoError(t, err)
			require.Equal(t, TISuccess, ti.State)
			require.Equal(t, started, ti.StartDate)
			require.Equal(t, "w1", ti.Hostname)
			require.Equal(t, 1500*time.Millisecond, ti.Duration)
			require.Len(t, ti.Tries, 1)
			require.Equal(t, "w1", ti.Tries[0].Hostname)

			_, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: "ta", Try: 1, Outcome: OutcomeSuccess})
			require.ErrorIs(t, err, ErrFenced, "a second completion of the same try")

			// Marked running late, with the time the handler began.
			_, err = b.store.StartTryAt(ctx, "d", "r", "tb", 1, "w2", started)
			require.NoError(t, err)
			ti, err = b.store.TaskInstance(ctx, "d", "r", "tb")
			require.NoError(t, err)
			require.Equal(t, TIRunning, ti.State)
			require.Equal(t, started, ti.StartDate)
		})
	}
}

// Tasks whose arguments must be read at start have no static fields:
// templated ones, large ones, and a cleared task instance (clearing changes
// max_tries).
func TestStaticOnlyWhereItHolds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	snap := chain("d", 1)
	plain, templated, large := snap.Tasks[0], snap.Tasks[0], snap.Tasks[0]
	plain.Args = map[string]any{"n": 1}
	templated.TaskID, templated.Args = "tpl", map[string]any{"day": "{{ ds }}"}
	large.TaskID, large.Args = "large", map[string]any{"blob": strings.Repeat("x", MaxStaticArgs)}
	snap.Tasks = []SnapshotTask{plain, templated, large}
	res, err := b.store.CreateRun(ctx, NewRun{DAG: snap, RunID: "r"})
	require.NoError(t, err)
	static := map[string]bool{}
	for _, d := range res.Dispatch {
		static[d.TaskID] = d.Static != nil
	}
	require.Equal(t, map[string]bool{"ta": true, "tpl": false, "large": false}, static)

	for _, task := range []string{"ta", "tpl", "large"} {
		_, err := b.store.Complete(ctx, Completion{DagID: "d", RunID: "r", TaskID: task, Try: 1, Outcome: OutcomeFailedPermanent})
		require.NoError(t, err)
	}
	n, ds, err := b.store.ClearRun(ctx, "d", "r", true)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Len(t, ds, 3)
	for _, d := range ds {
		require.Nil(t, d.Static, "cleared task %s starts from the store", d.TaskID)
	}
}

func TestStartInfoFromRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, in := range []string{``, `{`, `{"args":{}}`, `[]`} {
		_, err := StartInfoFrom("d", "r", "t", 1, []byte(in), time.Time{})
		require.ErrorIs(t, err, ErrInvalid, in)
	}
	_, err := StartInfoFrom("d", "r", "t", 0, []byte(`{"op":"x"}`), time.Time{})
	require.ErrorIs(t, err, ErrInvalid)
	info, err := StartInfoFrom("d", "r", "t", 3, []byte(`{"op":"x","mt":4,"et":1500,"rd":2000,"rx":true,"mrd":9000,"ld":1000,"drt":60000}`),
		time.UnixMilli(5000).UTC())
	require.NoError(t, err)
	require.Equal(t, TaskInstance{DagID: "d", RunID: "r", TaskID: "t", State: TIQueued, TryNumber: 3, MaxTries: 4,
		Operator: "x", Args: []byte("{}"), ExecutionTimeout: 1500 * time.Millisecond, RetryDelay: 2 * time.Second,
		RetryExponentialBackoff: true, MaxRetryDelay: 9 * time.Second}, *info.TI)
	require.Equal(t, time.UnixMilli(1000).UTC(), info.Run.LogicalDate)
	require.Equal(t, time.UnixMilli(5000).UTC(), info.Run.StartDate)
	require.Equal(t, time.Minute, info.Run.DagrunTimeout)
	require.Equal(t, RunRunning, info.Run.State)
}

// The try record written by hand reads back as encoding/json's does.
func TestTryRecordJSON(t *testing.T) {
	t.Parallel()
	for _, tr := range []Try{
		{},
		{Try: 3, State: TIFailed, StartDate: time.UnixMilli(1795000000123).UTC(), EndDate: time.UnixMilli(1795000001500).UTC(),
			Duration: 1.377, Hostname: "w\"1", Error: "boom:\n\tat x\x00 ü", LogKey: "logs/d/r/t/3.log"},
		{Try: 1, State: TISuccess, Duration: 1500000, Hostname: "h"},
		{Try: 1, Duration: 1e-9},
	} {
		var got, want Try
		b := tr.appendJSON(nil)
		require.NoError(t, json.Unmarshal(b, &got), "%s", b)
		std, err := json.Marshal(tr)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(std, &want))
		require.Equal(t, want, got, "%s", b)
	}
}

// TestStaticCarriesUpstream: a try started from its payload knows its
// upstream tasks, as one started from the store does (the handlers read
// their outputs).
func TestStaticCarriesUpstream(t *testing.T) {
	t.Parallel()
	st, err := staticOf(&SnapshotTask{TaskID: "c", Operator: "classify", Upstream: []string{"fetch", "fetch_de"}},
		[]byte(`{"model":"m"}`), time.Time{}, 0)
	require.NoError(t, err)
	info, err := StartInfoFrom("d", "r", "c", 1, []byte(st), time.Now())
	require.NoError(t, err)
	require.Equal(t, []string{"fetch", "fetch_de"}, info.TI.Upstream)
}
