package engine_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/builtin"
	"github.com/dagworker/dagworker/worker"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob/memblob"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childWorker())
	}
	redistest.Main(m)
}

type bundle struct {
	env    *redistest.Env
	store  *runstore.Store
	eng    *engine.Engine
	client *asynq.Client
	lake   *tasks.Lake
	queue  string
}

// setup starts a worker with the built-in types plus extra handlers on a
// queue of the test's own.
func setup(t *testing.T, extra map[string]tasks.Handler) *bundle {
	t.Helper()
	b := setupNoWorker(t)
	b.startWorker(t, extra)
	return b
}

func setupNoWorker(t *testing.T) *bundle {
	t.Helper()
	env := redistest.New(t)
	b := &bundle{env: env, queue: env.Queue("default")}
	st, err := runstore.New(runstore.Config{Client: env.Client(), KeyPrefix: env.Prefix})
	require.NoError(t, err)
	b.store = st
	b.client = asynq.NewClient(env.ConnOpt())
	t.Cleanup(func() { _ = b.client.Close() })
	b.eng, err = engine.New(engine.Config{Store: st, Client: b.client, DefaultQueue: b.queue})
	require.NoError(t, err)
	bucket := memblob.OpenBucket(nil)
	t.Cleanup(func() { _ = bucket.Close() })
	b.lake = tasks.NewLake(bucket, "mem://")
	return b
}

func (b *bundle) startWorker(t *testing.T, extra map[string]tasks.Handler) {
	t.Helper()
	b.startWorkerWith(t, extra, nil)
}

func (b *bundle) startWorkerWith(t *testing.T, extra map[string]tasks.Handler, edit func(*worker.Config)) {
	t.Helper()
	env := b.env
	cfg := worker.Config{Redis: env.ConnOpt(), KeyPrefix: env.Prefix, Concurrency: 8,
		Queues: map[string]int{b.queue: 1}, Lake: b.lake, ShutdownTimeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	w, err := worker.New(cfg)
	require.NoError(t, err)
	require.NoError(t, builtin.Register(w))
	for name, h := range extra {
		require.NoError(t, w.Handle(name, h))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

func parseDAG(t *testing.T, src string) *dag.DAG {
	t.Helper()
	ds, _, err := dag.Parse("test.yaml", []byte(src), dag.Options{})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	return ds[0]
}

func (b *bundle) wait(t *testing.T, dagID, runID string) *runstore.Run {
	t.Helper()
	return b.waitFor(t, dagID, runID, 30*time.Second)
}

func (b *bundle) waitFor(t *testing.T, dagID, runID string, limit time.Duration) *runstore.Run {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(limit)
	for {
		run, err := b.store.GetRun(ctx, dagID, runID)
		require.NoError(t, err)
		if run.State.Finished() {
			return run
		}
		if time.Now().After(deadline) {
			tis, _ := b.store.TaskInstances(ctx, dagID, runID)
			var s []string
			for _, ti := range tis {
				s = append(s, ti.TaskID+"="+string(ti.State))
			}
			t.Fatalf("run %s/%s still %s: %s", dagID, runID, run.State, strings.Join(s, " "))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (b *bundle) ti(t *testing.T, dagID, runID, taskID string) *runstore.TaskInstance {
	t.Helper()
	ti, err := b.store.TaskInstance(context.Background(), dagID, runID, taskID)
	require.NoError(t, err)
	return ti
}

func TestFanOutFanIn50WithTemplatesAndXCom(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	var sb strings.Builder
	sb.WriteString("fan:\n  params: {greeting: hi}\n  tasks:\n    - task_id: start\n      operator: echo\n      msg: \"{{ params.greeting }} {{ ds }}\"\n")
	deps := []string{}
	for i := 0; i < 50; i++ {
		id := "mid" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		deps = append(deps, id)
		sb.WriteString("    - task_id: " + id + "\n      operator: noop\n      dependencies: [start]\n")
	}
	sb.WriteString("    - task_id: end\n      operator: echo\n      got: \"{{ ti.xcom_pull(task_ids='start') }}\"\n      dependencies: [" + strings.Join(deps, ", ") + "]\n")
	d := parseDAG(t, sb.String())
	ctx := context.Background()
	res, err := b.eng.CreateRun(ctx, d, engine.RunOptions{RunType: runstore.RunManual,
		LogicalDate: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), Conf: []byte(`{"greeting":"hello"}`)})
	require.NoError(t, err)
	run := b.wait(t, "fan", res.Run.RunID)
	require.Equal(t, runstore.RunSuccess, run.State)
	x, err := b.store.XCom(ctx, "fan", run.RunID, "end")
	require.NoError(t, err)
	require.JSONEq(t, `{"got":{"msg":"hello 2026-11-28"}}`, string(x))
	tis, err := b.store.TaskInstances(ctx, "fan", run.RunID)
	require.NoError(t, err)
	require.Len(t, tis, 52)
	for _, ti := range tis {
		require.Equal(t, runstore.TISuccess, ti.State, ti.TaskID)
		require.Len(t, ti.Tries, 1)
		require.NotEmpty(t, ti.Tries[0].LogKey)
	}
}

func TestRetriesPanicTimeoutInvalidArgs(t *testing.T) {
	t.Parallel()
	var flaky, invalid atomic.Int32
	b := setup(t, map[string]tasks.Handler{
		"boom": tasks.HandlerFunc(func(context.Context, *tasks.Task) (any, error) { panic("kaboom") }),
		"flaky": tasks.HandlerFunc(func(_ context.Context, t *tasks.Task) (any, error) {
			flaky.Add(1)
			if t.Info.Try < 2 {
				return nil, errors.New("transient")
			}
			return "ok", nil
		}),
		"bad": tasks.HandlerFunc(func(context.Context, *tasks.Task) (any, error) {
			invalid.Add(1)
			return nil, tasks.InvalidArg("url", "missing")
		}),
	})
	d := parseDAG(t, `
robust:
  default_args: {retries: 2, retry_delay: 1s}
  tasks:
    - {task_id: flaky, operator: flaky}
    - {task_id: boom, operator: boom, retries: 0}
    - {task_id: slow, operator: sleep, duration: 10s, execution_timeout: 1s, retries: 0}
    - {task_id: bad, operator: bad}
    - {task_id: after_boom, operator: noop, dependencies: [boom]}
`)
	ctx := context.Background()
	res, err := b.eng.CreateRun(ctx, d, engine.RunOptions{RunID: "r1"})
	require.NoError(t, err)
	run := b.wait(t, "robust", res.Run.RunID)
	require.Equal(t, runstore.RunFailed, run.State)

	fl := b.ti(t, "robust", "r1", "flaky")
	require.Equal(t, runstore.TISuccess, fl.State)
	require.Equal(t, 2, fl.TryNumber)
	require.Len(t, fl.Tries, 2)
	require.Equal(t, runstore.TIFailed, fl.Tries[0].State)
	require.Equal(t, "transient", fl.Tries[0].Error)
	require.GreaterOrEqual(t, fl.Tries[1].StartDate.Sub(fl.Tries[0].EndDate), 900*time.Millisecond, "retry_delay 1s")
	require.Equal(t, int32(2), flaky.Load())

	boom := b.ti(t, "robust", "r1", "boom")
	require.Equal(t, runstore.TIFailed, boom.State)
	require.Contains(t, boom.Tries[0].Error, "kaboom")
	logData, err := b.lake.Get(ctx, boom.Tries[0].LogKey)
	require.NoError(t, err)
	require.Contains(t, string(logData), "goroutine", "the stack is in the try's log")
	require.Equal(t, runstore.TIUpstreamFailed, b.ti(t, "robust", "r1", "after_boom").State)

	slow := b.ti(t, "robust", "r1", "slow")
	require.Equal(t, runstore.TIFailed, slow.State)
	require.Contains(t, slow.Tries[0].Error, "execution_timeout")
	require.Less(t, slow.Tries[0].Duration, 5.0)

	bad := b.ti(t, "robust", "r1", "bad")
	require.Equal(t, runstore.TIFailed, bad.State)
	require.Equal(t, 1, bad.TryNumber, "invalid args are not retried")
	require.Equal(t, int32(1), invalid.Load())
}

func TestMaxActiveRunsAndReplayedEnqueue(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	counts := map[string]int{}
	b := setup(t, map[string]tasks.Handler{
		"count": tasks.HandlerFunc(func(_ context.Context, t *tasks.Task) (any, error) {
			mu.Lock()
			counts[t.Info.RunID+"/"+t.Info.TaskID]++
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
			return nil, nil
		}),
	})
	d := parseDAG(t, `
limited:
  max_active_runs: 1
  tasks:
    - {task_id: a, operator: count}
    - {task_id: b, operator: count, dependencies: [a]}
`)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 3; i++ {
		res, err := b.eng.CreateRun(ctx, d, engine.RunOptions{RunType: runstore.RunScheduled,
			LogicalDate: time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)})
		require.NoError(t, err)
		ids = append(ids, res.Run.RunID)
		// a replayed creation and a replayed enqueue are no-ops
		again, err := b.eng.CreateRun(ctx, d, engine.RunOptions{RunType: runstore.RunScheduled,
			LogicalDate: time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)})
		require.NoError(t, err)
		require.False(t, again.Created)
		require.NoError(t, b.eng.Enqueue(ctx, res.Dispatch))
		_, err = b.eng.Reconcile(ctx, "limited", res.Run.RunID)
		require.NoError(t, err)
	}
	var runs []*runstore.Run
	for _, id := range ids {
		runs = append(runs, b.wait(t, "limited", id))
	}
	for i, r := range runs {
		require.Equal(t, runstore.RunSuccess, r.State)
		if i > 0 {
			require.False(t, r.StartDate.Before(runs[i-1].EndDate), "runs never overlap under max_active_runs=1")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, counts, 6)
	for k, n := range counts {
		require.Equal(t, 1, n, k)
	}
}

func TestRetryDelaySequence(t *testing.T) {
	t.Parallel()
	ti := &runstore.TaskInstance{TaskID: "t", RetryDelay: 10 * time.Second, RetryExponentialBackoff: true,
		MaxRetryDelay: time.Minute}
	var got []time.Duration
	for try := 1; try <= 5; try++ {
		got = append(got, engine.RetryDelay(ti, try))
	}
	require.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}, got)
	ti.RetryExponentialBackoff = false
	require.Equal(t, 10*time.Second, engine.RetryDelay(ti, 4))
}
