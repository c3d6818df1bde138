package runstore

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { redistest.Main(m) }

type bundle struct {
	store *Store
	env   *redistest.Env
	now   time.Time
}

// backends are the Redis servers the store is tested on.
var backends = []string{"redis", "miniredis"}

func setup(t *testing.T) *bundle { return setupOn(t, "redis") }

func setupOn(t *testing.T, backend string) *bundle {
	t.Helper()
	b := &bundle{now: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)}
	var rdb *redis.Client
	prefix := "dagworker"
	if backend == "miniredis" {
		mr := miniredis.RunT(t)
		rdb = redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { _ = rdb.Close() })
	} else {
		b.env = redistest.New(t)
		rdb = b.env.Client()
		prefix = b.env.Prefix
	}
	st, err := New(Config{Client: rdb, KeyPrefix: prefix, Clock: func() time.Time { return b.now }})
	require.NoError(t, err)
	b.store = st
	return b
}

// chain returns a snapshot of tasks t0 → t1 → ... → t(n-1).
func chain(id string, n int) *Snapshot {
	s := &Snapshot{DagID: id, Version: "v1", Params: map[string]any{"p": 1, "q": "x"}}
	for i := 0; i < n; i++ {
		t := SnapshotTask{TaskID: name(i), Operator: "noop", TriggerRule: "all_success", Retries: 1}
		if i > 0 {
			t.Upstream = []string{name(i - 1)}
		}
		if i < n-1 {
			t.Downstream = []string{name(i + 1)}
		}
		s.Tasks = append(s.Tasks, t)
	}
	return s
}

func name(i int) string { return "t" + string(rune('a'+i)) }

func TestCreateRunIdempotentAndChain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	nr := NewRun{DAG: chain("d", 3), RunType: RunScheduled, LogicalDate: b.now, Conf: json.RawMessage(`{"q":"y"}`)}
	res, err := b.store.CreateRun(ctx, nr)
	require.NoError(t, err)
	require.True(t, res.Created)
	require.Equal(t, "scheduled__2026-11-28T02:00:00Z", res.Run.RunID)
	require.Equal(t, RunRunning, res.Run.State)
	require.JSONEq(t, `{"p":1,"q":"y"}`, string(res.Run.Params))
	require.Len(t, res.Dispatch, 1)
	d := res.Dispatch[0]
	require.Equal(t, b.now, d.RunStart)
	info, err := StartInfoFrom(d.DagID, d.RunID, d.TaskID, d.Try, d.Static, d.RunStart)
	require.NoError(t, err, "the root's try carries its static fields")
	ti, err := b.store.TaskInstance(ctx, "d", res.Run.RunID, "ta")
	require.NoError(t, err)
	require.Equal(t, ti.Operator, info.TI.Operator)
	require.JSONEq(t, string(ti.Args), string(info.TI.Args))
	require.Equal(t, ti.MaxTries, info.TI.MaxTries)
	require.Equal(t, b.now, info.Run.LogicalDate)
	require.Equal(t, b.now, info.Run.StartDate)
	d.Static, d.RunStart = nil, time.Time{}
	require.Len(t, res.Run.Incarnation, 16, "a new run has an incarnation token")
	require.Equal(t, Dispatch{DagID: "d", RunID: res.Run.RunID, TaskID: "ta", Try: 1, Queue: "default", Inc: res.Run.Incarnation}, d)

	again, err := b.store.CreateRun(ctx, nr)
	require.NoError(t, err)
	require.False(t, again.Created)
	require.Empty(t, again.Dispatch)
	stored, err := b.store.GetRun(ctx, "d", res.Run.RunID)
	require.NoError(t, err)
	require.Equal(t, stored, res.Run)
	require.Equal(t, stored, again.Run)
	runs, total, err := b.store.ListRuns(ctx, "d", ListRunsOptions{})
	require.NoError(t, err)
	require.Equal(t, 1, total)
	require.Len(t, runs, 1)

	run := res.Run.RunID
	for i := 0; i < 3; i++ {
		info, err := b.store.StartTry(ctx, "d", run, name(i), 1, "h1")
		require.NoError(t, err)
		require.Equal(t, TIRunning, info.TI.State)
		_, err = b.store.StartTry(ctx, "d", run, name(i), 2, "h1")
		require.ErrorIs(t, err, ErrFenced)
		cr, err := b.store.Complete(ctx, Completion{DagID: "d", RunID: run, TaskID: name(i), Try: 1,
			Outcome: OutcomeSuccess, XCom: json.RawMessage(`{"i":1}`)})
		require.NoError(t, err)
		require.Equal(t, TISuccess, cr.State)
		if i < 2 {
			require.Len(t, cr.Dispatch, 1)
			require.Equal(t, name(i+1), cr.Dispatch[0].TaskID)
			require.Equal(t, RunRunning, cr.RunState)
		} else {
			require.Empty(t, cr.Dispatch)
			require.Equal(t, RunSuccess, cr.RunState)
		}
		// a late duplicate completion is fenced
		_, err = b.store.Complete(ctx, Completion{DagID: "d", RunID: run, TaskID: name(i), Try: 1, Outcome: OutcomeFailed})
		require.ErrorIs(t, err, ErrFenced)
	}
	tis, err := b.store.TaskInstances(ctx, "d", run)
	require.NoError(t, err)
	require.Len(t, tis, 3)
	for _, ti := range tis {
		require.Equal(t, TISuccess, ti.State)
		require.Len(t, ti.Tries, 1)
	}
	x, err := b.store.XCom(ctx, "d", run, "tb")
	require.NoError(t, err)
	require.JSONEq(t, `{"i":1}`, string(x))
}

// TestCreateRunReturnsStoredRun: the run CreateRun returns (read inside the
// create script) is the run GetRun reads, on a server that has not seen the
// script yet (NOSCRIPT in the pipeline) and on one that has.
func TestCreateRunReturnsStoredRun(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupOn(t, backend)
			ctx := context.Background()
			snap := chain("d", 2)
			snap.MaxActiveRuns = 1
			for i, tc := range []struct {
				id    string
				state RunState
			}{{"first", RunRunning}, {"second", RunQueued}, {"first", RunRunning}} {
				res, err := b.store.CreateRun(ctx, NewRun{DAG: snap, RunID: tc.id, Note: "n", TriggeredBy: "test"})
				require.NoError(t, err)
				require.Equal(t, i < 2, res.Created)
				require.Equal(t, tc.state, res.Run.State)
				require.Equal(t, "n", res.Run.Note)
				require.Equal(t, 2, res.Run.TasksTotal)
				stored, err := b.store.GetRun(ctx, "d", tc.id)
				require.NoError(t, err)
				require.Equal(t, stored, res.Run)
			}
			ids, err := b.store.DAGIDs(ctx)
			require.NoError(t, err)
			require.Contains(t, ids, "d")
		})
	}
}

func TestUnfinishedTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	s := &Snapshot{DagID: "u", Version: "v1"}
	for _, id := range []string{"a", "b"} {
		s.Tasks = append(s.Tasks, SnapshotTask{TaskID: id, Operator: "noop", TriggerRule: "all_success", Retries: 1,
			Downstream: []string{"c"}})
	}
	s.Tasks = append(s.Tasks, SnapshotTask{TaskID: "c", Operator: "noop", TriggerRule: "all_success", Upstream: []string{"a", "b"}})
	created, err := b.store.CreateRun(ctx, NewRun{DAG: s, RunID: "r"})
	require.NoError(t, err)
	inc := created.Run.Incarnation
	queuedAt := b.now
	b.now = b.now.Add(time.Second)
	_, err = b.store.StartTry(ctx, "u", "r", "a", 1, "w1")
	require.NoError(t, err)
	_, err = b.store.StartTry(ctx, "u", "r", "b", 1, "w2")
	require.NoError(t, err)
	_, err = b.store.Complete(ctx, Completion{DagID: "u", RunID: "r", TaskID: "b", Try: 1, Outcome: OutcomeFailed,
		RetryDelay: time.Minute})
	require.NoError(t, err)

	us, err := b.store.UnfinishedTasks(ctx, "u", "r")
	require.NoError(t, err)
	require.Equal(t, []Unfinished{
		{Dispatch: Dispatch{DagID: "u", RunID: "r", TaskID: "a", Try: 1, Queue: "default", Inc: inc}, State: TIRunning,
			QueuedAt: queuedAt, StartDate: b.now, Hostname: "w1"},
		{Dispatch: Dispatch{DagID: "u", RunID: "r", TaskID: "b", Try: 1, Queue: "default", RetryAt: b.now.Add(time.Minute), Inc: inc},
			State: TIUpForRetry, QueuedAt: queuedAt, StartDate: b.now, Hostname: "w2"},
	}, us, "c waits for its upstream tasks: not unfinished work")
}

// A run wider than one pipeline batch is read whole.
func TestUnfinishedTasksBatches(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	n := 2*unfinishedBatch + 7
	s := &Snapshot{DagID: "wide", Version: "v1", MaxActiveTasks: n}
	for i := 0; i < n; i++ {
		s.Tasks = append(s.Tasks, SnapshotTask{TaskID: "t" + strconv.Itoa(i), Operator: "noop", TriggerRule: "all_success"})
	}
	_, err := b.store.CreateRun(ctx, NewRun{DAG: s, RunID: "r"})
	require.NoError(t, err)
	us, err := b.store.UnfinishedTasks(ctx, "wide", "r")
	require.NoError(t, err)
	require.Len(t, us, n)
	require.Equal(t, "t"+strconv.Itoa(n-1), us[n-1].TaskID)
	require.Equal(t, TIQueued, us[n-1].State)
}
