package engine_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// childEnv makes the test binary run as a worker process (see TestMain).
const childEnv = "DAGWORKER_TEST_CHILD_WORKER"

// childWorker serves the queue named in the environment with a "slow" task
// type that never finishes, until the parent kills it.
func childWorker() int {
	w, err := worker.New(worker.Config{RedisURL: os.Getenv(childEnv), KeyPrefix: os.Getenv(childEnv + "_PREFIX"),
		Queues: map[string]int{os.Getenv(childEnv + "_QUEUE"): 1}, Hostname: "child"})
	if err != nil {
		return 3
	}
	if err := w.Handle("slow", tasks.HandlerFunc(func(ctx context.Context, _ *tasks.Task) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})); err != nil {
		return 3
	}
	if err := w.Run(context.Background()); err != nil {
		return 1
	}
	return 0
}

// TestWorkerKilledMidTaskRedelivered kills a worker process with SIGKILL
// while it runs a try; asynq's lease recovery hands the task to another
// worker (this takes 60–120 s), which fails the try as lost, and the task's
// retry (a new try) runs there and the run finishes.
func TestWorkerKilledMidTaskRedelivered(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: waits for asynq's lease recovery (up to ~90s)")
	}
	b := setupNoWorker(t)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+b.env.URL, childEnv+"_PREFIX="+b.env.Prefix, childEnv+"_QUEUE="+b.queue)
	require.NoError(t, child.Start())
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = child.Process.Kill()
			_ = child.Wait()
		}
	})
	d := parseDAG(t, `
crashy:
  default_args: {retries: 1, retry_delay: 0}
  tasks:
    - {task_id: slow, operator: slow}
    - {task_id: after, operator: noop, dependencies: [slow]}
`)
	ctx := context.Background()
	res, err := b.eng.CreateRun(ctx, d, engine.RunOptions{RunID: "r"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		ti := b.ti(t, "crashy", "r", "slow")
		return ti.State == runstore.TIRunning && ti.Hostname == "child"
	}, 30*time.Second, 20*time.Millisecond, "the child worker starts the try")
	require.NoError(t, child.Process.Kill())
	_ = child.Wait()
	killed = true

	b.startWorker(t, map[string]tasks.Handler{
		"slow": tasks.HandlerFunc(func(context.Context, *tasks.Task) (any, error) { return "recovered", nil }),
	})
	run := b.waitFor(t, "crashy", res.Run.RunID, 3*time.Minute)
	require.Equal(t, runstore.RunSuccess, run.State)
	ti := b.ti(t, "crashy", "r", "slow")
	require.Equal(t, 2, ti.TryNumber, "the lost try is retried as a new try, not run again")
	require.NotEqual(t, "child", ti.Hostname)
	require.Len(t, ti.Tries, 2)
	require.Equal(t, runstore.TIFailed, ti.Tries[0].State)
	require.Contains(t, ti.Tries[0].Error, engine.ErrWorkerLost.Error())
	insp := asynq.NewInspector(b.env.ConnOpt())
	defer insp.Close()
	info, err := insp.GetTaskInfo(b.queue, engine.TaskID(engine.Payload{DagID: "crashy", RunID: "r", TaskID: "slow", Try: 1, Inc: run.Incarnation}))
	require.NoError(t, err)
	require.Equal(t, 1, info.Retried, "asynq redelivered the lost try once")
}
