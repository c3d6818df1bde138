package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// crashDAG writes a DAG whose one bash task kills its worker process
// (SIGKILL to the bash's parent) the first time it runs and succeeds the
// next time. It returns the DAG folder.
func crashDAG(t *testing.T, queue string) string {
	t.Helper()
	dir := t.TempDir()
	mark := filepath.Join(t.TempDir(), "crashed")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "crash.yaml"), []byte(`
crash:
  default_args:
    queue: `+queue+`
    retries: 1
    retry_delay: 0
  tasks:
    - task_id: boom
      operator: bash
      bash_command: 'if [ -e `+mark+` ]; then echo survived; else touch `+mark+`; kill -9 $PPID; sleep 1; fi'
`), 0o644))
	return dir
}

// crashRun starts a run of the crash DAG and a worker child process that
// dies running its task. It returns the connection and the run id.
func crashRun(t *testing.T, env *redistest.Env, dir, queue string) (*conn, string) {
	t.Helper()
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	c, err := connect(env.URL, env.Prefix, log)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	f, err := loadDAG(ctx, dir, "crash", log)
	require.NoError(t, err)
	d, _ := f.DAG("crash")
	res, err := c.eng.CreateRun(ctx, d, engine.RunOptions{RunType: runstore.RunManual, LogicalDate: time.Now()})
	require.NoError(t, err)
	w := startWorkerChild(t, env, queue)
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not crash")
	}
	return c, res.Run.RunID
}

func startWorkerChild(t testing.TB, env *redistest.Env, queue string) *child {
	t.Helper()
	return startChild(t, "worker", "--redis-url", env.URL, "--key-prefix", env.Prefix, "--queues", queue,
		"--concurrency", "1", "--blob-url", "mem://")
}

// requireLostThenRetried checks that the crashed try failed as lost and
// the task's retry ran and succeeded.
func requireLostThenRetried(t *testing.T, c *conn, runID string) {
	t.Helper()
	ti, err := c.store.TaskInstance(t.Context(), "crash", runID, "boom")
	require.NoError(t, err)
	require.Equal(t, runstore.TISuccess, ti.State)
	require.Equal(t, 2, ti.TryNumber, "the crashed try is retried as a new try, not redelivered as the same one")
	require.Len(t, ti.Tries, 2)
	require.Equal(t, runstore.TIFailed, ti.Tries[0].State)
	require.Contains(t, ti.Tries[0].Error, engine.ErrWorkerLost.Error())
	require.Equal(t, runstore.TISuccess, ti.Tries[1].State)
}

// A try whose worker died while running it is redelivered by asynq once its
// lease has expired; that redelivery fails the try as lost (our retry
// policy makes a new try) instead of running the same try again.
// Before: the redelivery ran try 1 again, up to 4 times per try.
func TestCrashedWorkerRedeliveryFailsTheTry(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	queue := env.Queue("crash")
	dir := crashDAG(t, queue)
	c, runID := crashRun(t, env, dir, queue)
	// asynq lists a task for recovery 30s after its 30s lease ran out and
	// its recoverer runs at a server's start: move the dead worker's lease
	// back in time instead of waiting a minute.
	leaseKey := "asynq:{" + queue + "}:lease"
	ids, err := c.rdb.ZRange(t.Context(), leaseKey, 0, -1).Result()
	require.NoError(t, err)
	require.Len(t, ids, 1, "the dead worker's task holds a lease")
	require.NoError(t, c.rdb.ZAdd(t.Context(), leaseKey, redis.Z{Score: float64(time.Now().Add(-2 * time.Minute).Unix()), Member: ids[0]}).Err())

	w := startWorkerChild(t, env, queue)
	waitUntil(t, 60*time.Second, "the task to finish", func() bool {
		ti, err := c.store.TaskInstance(t.Context(), "crash", runID, "boom")
		return err == nil && ti.State.Terminal()
	})
	requireLostThenRetried(t, c, runID)
	select {
	case <-w.done:
		t.Fatalf("the second worker exited: %v", w.err)
	default:
	}
}

// The reconcile sweep fails a try whose worker died (no live asynq server
// holds its active task) after LostWorkerGrace, long before asynq's own
// recovery (60-120s) would hand it out again.
// Before: the sweep left an active asynq task alone until asynq recovered it.
func TestReconcileFailsTryOfDeadWorker(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	queue := env.Queue("dead")
	dir := crashDAG(t, queue)
	c, runID := crashRun(t, env, dir, queue)
	eng, err := engine.New(engine.Config{Store: c.store, Client: c.client, LostWorkerGrace: engine.MinLostWorkerGrace})
	require.NoError(t, err)
	startWorkerChild(t, env, queue)
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	for {
		_, err := eng.ReconcileDAG(ctx, "crash")
		require.NoError(t, err)
		ti, err := c.store.TaskInstance(ctx, "crash", runID, "boom")
		require.NoError(t, err)
		if ti.State.Terminal() {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the crashed try was not recovered within 45s (state %s, try %d)", ti.State, ti.TryNumber)
		case <-time.After(500 * time.Millisecond):
		}
	}
	requireLostThenRetried(t, c, runID)
}

// BenchmarkWorkerKillRecovery measures how long a try of a SIGKILLed worker
// takes to run again (as its retry, on another worker): "fast" with the
// settings the README documents for fast recovery (a coordinator sweeping
// every 2s, --lost-worker-grace 6s), "default" with the defaults (30s,
// 15s). Run with -benchtime 1x; it reports recovery_s (from the kill to the
// retry running).
func BenchmarkWorkerKillRecovery(b *testing.B) {
	for _, c := range []struct{ name, every, grace string }{{"fast", "2s", "6s"}, {"default", "30s", "15s"}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.ReportMetric(measureKillRecovery(b, c.every, c.grace).Seconds(), "recovery_s")
			}
		})
	}
}

func measureKillRecovery(b testing.TB, every, grace string) time.Duration {
	env := redistest.New(b)
	queue := env.Queue("recover")
	dir := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "long.yaml"), []byte(`
long:
  default_args: {queue: `+queue+`, retries: 1, retry_delay: 0}
  tasks:
    - {task_id: sleepy, operator: sleep, duration: 10m}
`), 0o644))
	ctx := b.Context()
	log := slog.New(slog.DiscardHandler)
	c, err := connect(env.URL, env.Prefix, log)
	require.NoError(b, err)
	defer c.Close()
	startChild(b, "coordinator", "--redis-url", env.URL, "--key-prefix", env.Prefix, "--dags", dir,
		"--addr", "127.0.0.1:0", "--reconcile-every", every, "--lost-worker-grace", grace)
	f, err := loadDAG(ctx, dir, "long", log)
	require.NoError(b, err)
	d, _ := f.DAG("long")
	res, err := c.eng.CreateRun(ctx, d, engine.RunOptions{RunType: runstore.RunManual, LogicalDate: time.Now()})
	require.NoError(b, err)
	state := func() (runstore.TIState, int) {
		ti, err := c.store.TaskInstance(ctx, "long", res.Run.RunID, "sleepy")
		require.NoError(b, err)
		return ti.State, ti.TryNumber
	}
	first := startWorkerChild(b, env, queue)
	waitUntil(b, 30*time.Second, "try 1 running", func() bool { s, n := state(); return s == runstore.TIRunning && n == 1 })
	startWorkerChild(b, env, queue) // the replacement, idle until the retry
	// A try running for a while, as a crash mid-try would find it (asynq's
	// heartbeat has written it as held).
	time.Sleep(6 * time.Second)
	require.NoError(b, first.cmd.Process.Signal(syscall.SIGKILL))
	killed := time.Now()
	<-first.done
	waitUntil(b, 3*time.Minute, "try 2 running", func() bool { s, n := state(); return s == runstore.TIRunning && n == 2 })
	return time.Since(killed)
}

// BenchmarkRedisRestartRecovery measures how long tries in flight at a
// Redis crash take to finish once Redis is back: a try ends while Redis is
// down (its completion cannot be recorded), Redis restarts from its AOF
// after 5s or 40s (past asynq's 30s lease: the worker gives the try up),
// and the bench times from the restart to the run's end, with a
// coordinator sweeping every 2s (--lost-worker-grace 6s). Run with
// -benchtime 1x; it reports recovery_s.
func BenchmarkRedisRestartRecovery(b *testing.B) {
	for _, down := range []time.Duration{5 * time.Second, 40 * time.Second} {
		b.Run("down_"+down.String(), func(b *testing.B) {
			for b.Loop() {
				b.ReportMetric(measureRedisRestart(b, down).Seconds(), "recovery_s")
			}
		})
	}
}

func measureRedisRestart(b testing.TB, down time.Duration) time.Duration {
	srv := redistest.StartOwn(b)
	env := &redistest.Env{URL: srv.URL(), Prefix: "dagworker"}
	queue := "restart"
	dir := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(`
restart:
  default_args: {queue: `+queue+`, retries: 1, retry_delay: 0}
  tasks:
    - {task_id: short, operator: sleep, duration: 3s}
`), 0o644))
	ctx := b.Context()
	log := slog.New(slog.DiscardHandler)
	c, err := connect(env.URL, env.Prefix, log)
	require.NoError(b, err)
	defer c.Close()
	startChild(b, "coordinator", "--redis-url", env.URL, "--dags", dir, "--addr", "127.0.0.1:0",
		"--reconcile-every", "2s", "--lost-worker-grace", "6s")
	f, err := loadDAG(ctx, dir, "restart", log)
	require.NoError(b, err)
	d, _ := f.DAG("restart")
	res, err := c.eng.CreateRun(ctx, d, engine.RunOptions{RunType: runstore.RunManual, LogicalDate: time.Now()})
	require.NoError(b, err)
	startWorkerChild(b, env, queue)
	waitUntil(b, 30*time.Second, "the try running", func() bool {
		ti, err := c.store.TaskInstance(ctx, "restart", res.Run.RunID, "short")
		return err == nil && ti.State == runstore.TIRunning
	})
	srv.Kill()
	time.Sleep(down) // the try ends meanwhile
	require.NoError(b, srv.Restart(ctx))
	restarted := time.Now()
	waitUntil(b, 5*time.Minute, "the run to finish", func() bool {
		r, err := c.store.GetRun(ctx, "restart", res.Run.RunID)
		return err == nil && r.State.Finished()
	})
	took := time.Since(restarted)
	ti, err := c.store.TaskInstance(ctx, "restart", res.Run.RunID, "short")
	require.NoError(b, err)
	b.Logf("try %d %s after %s", ti.TryNumber, ti.State, took)
	return took
}
