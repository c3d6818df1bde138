package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// A try whose asynq task is gone for good (archived after its redeliveries,
// or deleted) is failed by Reconcile through the completion step, so retries
// and trigger rules move the run on; a try asynq still holds, or one gone
// only for less than engine.DefaultLostTaskGrace, is left alone.
func TestReconcileFailsLostTries(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	insp := asynq.NewInspector(b.env.ConnOpt())
	t.Cleanup(func() { _ = insp.Close() })
	late, err := engine.New(engine.Config{Store: b.store, Client: b.client, DefaultQueue: b.queue,
		Clock: func() time.Time { return time.Now().Add(engine.DefaultLostTaskGrace + time.Minute) }})
	require.NoError(t, err)

	type asynqState int
	const (
		gone asynqState = iota
		archived
		scheduled
	)
	cases := []struct {
		name     string
		retries  int
		started  bool // the try was started by a worker that was then lost
		asynq    asynqState
		lateEng  bool // reconcile after DefaultLostTaskGrace
		lost     int
		wantRun  runstore.RunState // "" : still running
		wantA    runstore.TIState
		wantTry1 runstore.TIState // state of try 1's record ("" : none)
	}{
		{name: "queued archived retried", retries: 1, asynq: archived, lost: 1,
			wantRun: runstore.RunSuccess, wantA: runstore.TISuccess, wantTry1: runstore.TIFailed},
		{name: "running archived fails", started: true, asynq: archived, lost: 1,
			wantRun: runstore.RunFailed, wantA: runstore.TIFailed, wantTry1: runstore.TIFailed},
		{name: "running gone past grace", retries: 1, started: true, asynq: gone, lateEng: true, lost: 1,
			wantRun: runstore.RunSuccess, wantA: runstore.TISuccess, wantTry1: runstore.TIFailed},
		{name: "running gone within grace", started: true, asynq: gone, wantA: runstore.TIRunning},
		{name: "running still scheduled in asynq", started: true, asynq: scheduled, lateEng: true,
			wantA: runstore.TIRunning},
	}
	for i, tc := range cases {
		dagID := fmt.Sprintf("lost%d", i)
		d := parseDAG(t, fmt.Sprintf(`
%s:
  tasks:
    - {task_id: a, operator: noop, retries: %d, retry_delay: 1s}
    - {task_id: b, operator: noop, dependencies: [a]}
`, dagID, tc.retries))
		// the store step ran; asynq's task is set up by hand below
		created, err := b.store.CreateRun(ctx, runstore.NewRun{DAG: engine.NewSnapshot(d, nil, b.queue), RunID: "r"})
		require.NoError(t, err, tc.name)
		if tc.started {
			_, err := b.store.StartTry(ctx, dagID, "r", "a", 1, "w1")
			require.NoError(t, err, tc.name)
		}
		p := engine.Payload{DagID: dagID, RunID: "r", TaskID: "a", Try: 1, Inc: created.Run.Incarnation}
		if tc.asynq != gone {
			body, err := json.Marshal(p)
			require.NoError(t, err)
			_, err = b.client.EnqueueContext(ctx, asynq.NewTask(engine.TaskType, body), asynq.Queue(b.queue),
				asynq.TaskID(engine.TaskID(p)), asynq.ProcessIn(time.Hour))
			require.NoError(t, err, tc.name)
		}
		if tc.asynq == archived {
			require.NoError(t, insp.ArchiveTask(b.queue, engine.TaskID(p)), tc.name)
		}
		eng := b.eng
		if tc.lateEng {
			eng = late
		}
		rep, err := eng.ReconcileDAG(ctx, dagID)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.lost, rep.LostTries, tc.name)
		if tc.wantRun != "" {
			run := b.wait(t, dagID, "r")
			require.Equal(t, tc.wantRun, run.State, tc.name)
		}
		ti := b.ti(t, dagID, "r", "a")
		require.Equal(t, tc.wantA, ti.State, tc.name)
		if tc.wantTry1 == "" {
			require.Empty(t, ti.Tries, tc.name)
			run, err := b.store.GetRun(ctx, dagID, "r")
			require.NoError(t, err)
			require.Equal(t, runstore.RunRunning, run.State, tc.name)
			continue
		}
		require.Len(t, ti.Tries, tc.retries+1, "%s: one execution per try", tc.name)
		require.Equal(t, tc.wantTry1, ti.Tries[0].State, tc.name)
		require.Contains(t, ti.Tries[0].Error, engine.ErrWorkerLost.Error(), tc.name)
		if tc.started {
			require.Equal(t, "w1", ti.Tries[0].Hostname, tc.name)
		} else {
			require.Equal(t, engine.ReconcileHost, ti.Tries[0].Hostname, tc.name)
		}
		if tc.wantRun == runstore.RunFailed {
			require.Equal(t, runstore.TIUpstreamFailed, b.ti(t, dagID, "r", "b").State, tc.name)
		}
		again, err := eng.ReconcileDAG(ctx, dagID)
		require.NoError(t, err, tc.name)
		require.Zero(t, again.Total(), "%s: nothing left to repair", tc.name)
	}
}

// A queued try whose asynq task asynq completed without the try starting
// (a worker dropped the delivery) is lost once LostTaskGrace has passed
// since it was queued: enqueueing it again would conflict with the retained
// task, so it is failed through the completion step and retried.
func TestReconcileFailsAQueuedTryAsynqCompleted(t *testing.T) {
	t.Parallel()
	b := setupNoWorker(t)
	ctx := context.Background()
	d := parseDAG(t, `
dropped:
  tasks:
    - {task_id: a, operator: noop, retries: 1, retry_delay: 1h}
`)
	created, err := b.store.CreateRun(ctx, runstore.NewRun{DAG: engine.NewSnapshot(d, nil, b.queue), RunID: "r"})
	require.NoError(t, err)
	p := engine.Payload{DagID: "dropped", RunID: "r", TaskID: "a", Try: 1, Inc: created.Run.Incarnation}
	body, err := json.Marshal(p)
	require.NoError(t, err)
	_, err = b.client.EnqueueContext(ctx, asynq.NewTask(engine.TaskType, body), asynq.Queue(b.queue),
		asynq.TaskID(engine.TaskID(p)), asynq.Retention(time.Hour))
	require.NoError(t, err)
	// a server that takes the delivery and drops it
	done := make(chan struct{})
	srv := asynq.NewServer(b.env.ConnOpt(), asynq.Config{Queues: map[string]int{b.queue: 1},
		TaskCheckInterval: 10 * time.Millisecond, LogLevel: asynq.FatalLevel})
	require.NoError(t, srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
		close(done)
		return nil
	})))
	<-done
	insp := asynq.NewInspector(b.env.ConnOpt())
	t.Cleanup(func() { _ = insp.Close() })
	require.Eventually(t, func() bool {
		info, err := insp.GetTaskInfo(b.queue, engine.TaskID(p))
		return err == nil && info.State == asynq.TaskStateCompleted
	}, 10*time.Second, 10*time.Millisecond)
	srv.Shutdown()

	rep, err := b.eng.ReconcileDAG(ctx, "dropped")
	require.NoError(t, err)
	require.Zero(t, rep.Total(), "within LostTaskGrace the try is left alone")
	late, err := engine.New(engine.Config{Store: b.store, Client: b.client, DefaultQueue: b.queue,
		Clock: func() time.Time { return time.Now().Add(engine.DefaultLostTaskGrace + time.Minute) }})
	require.NoError(t, err)
	rep, err = late.ReconcileDAG(ctx, "dropped")
	require.NoError(t, err)
	require.Equal(t, engine.Repairs{LostTries: 1}, rep)
	ti := b.ti(t, "dropped", "r", "a")
	require.Equal(t, runstore.TIUpForRetry, ti.State)
	require.Len(t, ti.Tries, 1)
	require.Contains(t, ti.Tries[0].Error, "completed without recording the try")
	require.Equal(t, engine.ReconcileHost, ti.Tries[0].Hostname)
}

// SweepChecks bounds the queued tries one reconcile looks up, oldest first;
// running tries and retry timers are not counted against it.
func TestReconcileChecksOldestQueuedTriesFirst(t *testing.T) {
	t.Parallel()
	b := setupNoWorker(t)
	ctx := context.Background()
	d := parseDAG(t, `
many:
  tasks:
    - {task_id: a, operator: noop}
    - {task_id: b, operator: noop}
    - {task_id: c, operator: noop}
`)
	// the store step ran, the enqueue never happened; c was queued an hour
	// before a and b
	_, err := b.store.CreateRun(ctx, runstore.NewRun{DAG: engine.NewSnapshot(d, nil, b.queue), RunID: "r"})
	require.NoError(t, err)
	require.NoError(t, b.env.Client().HSet(ctx, b.store.Keys().TI("many", "r", "c"), "queued_at",
		time.Now().Add(-time.Hour).UnixMilli()).Err())
	small, err := engine.New(engine.Config{Store: b.store, Client: b.client, DefaultQueue: b.queue, SweepChecks: 2})
	require.NoError(t, err)
	rep, err := small.ReconcileDAG(ctx, "many")
	require.NoError(t, err)
	require.Equal(t, engine.Repairs{Enqueued: 2}, rep)
	insp := asynq.NewInspector(b.env.ConnOpt())
	t.Cleanup(func() { _ = insp.Close() })
	run, err := b.store.GetRun(ctx, "many", "r")
	require.NoError(t, err)
	has := func(task string) bool {
		_, err := insp.GetTaskInfo(b.queue, engine.TaskID(engine.Payload{DagID: "many", RunID: "r", TaskID: task, Try: 1, Inc: run.Incarnation}))
		return err == nil
	}
	require.Equal(t, []bool{true, false, true}, []bool{has("a"), has("b"), has("c")},
		"the oldest (c), then task order among equal ages")
	rep, err = b.eng.ReconcileDAG(ctx, "many")
	require.NoError(t, err)
	require.Equal(t, engine.Repairs{Enqueued: 1}, rep, "the default bound reaches b")
	require.True(t, has("b"))
}

// A long try on a live worker is never taken for lost by a sweep with the
// shortest LostWorkerGrace: its server's heartbeat keeps holding it.
func TestSweepLeavesLiveWorkersTries(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]tasks.Handler{"hold": tasks.HandlerFunc(func(ctx context.Context, _ *tasks.Task) (any, error) {
		select {
		case <-time.After(9 * time.Second):
		case <-ctx.Done():
		}
		return "held", ctx.Err()
	})})
	eng, err := engine.New(engine.Config{Store: b.store, Client: b.client, DefaultQueue: b.queue, LostWorkerGrace: engine.MinLostWorkerGrace})
	require.NoError(t, err)
	d := parseDAG(t, `
live:
  tasks:
    - {task_id: long, operator: hold}
`)
	ctx := context.Background()
	res, err := eng.CreateRun(ctx, d, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	var lost int
	for {
		rep, err := eng.ReconcileDAG(ctx, "live")
		require.NoError(t, err)
		lost += rep.LostTries
		run, err := b.store.GetRun(ctx, "live", res.Run.RunID)
		require.NoError(t, err)
		if run.State.Finished() {
			require.Equal(t, runstore.RunSuccess, run.State)
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	require.Zero(t, lost)
	ti := b.ti(t, "live", "r", "long")
	require.Equal(t, 1, ti.TryNumber)
}
