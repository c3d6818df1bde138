package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks/builtin"
	"github.com/dagworker/dagworker/worker"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// execMainEnv makes the test binary act as the dagworker binary, so tests
// can run commands as real child processes (and kill them).
const execMainEnv = "DAGWORKER_TEST_EXEC_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(execMainEnv) == "1" {
		main()
		return
	}
	// go-redis redials a refused Redis in a goroutine that sleeps a second
	// between attempts and ends once the client is closed or Redis is back
	// (the outage tests stop Redis).
	redistest.Main(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}

// child is a dagworker command running as a child process.
type child struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, set before done closes
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startChild(t testing.TB, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), execMainEnv+"=1")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	c := &child{cmd: cmd, out: out, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("output of %v:\n%s", args, out.String())
		}
	})
	return c
}

// startBuiltinWorker runs an in-process worker with the built-in test task
// types on queue until the test ends.
func startBuiltinWorker(t *testing.T, env *redistest.Env, queue string) {
	t.Helper()
	w, err := worker.New(worker.Config{Redis: env.ConnOpt(), Queues: map[string]int{queue: 1}, KeyPrefix: env.Prefix,
		ShutdownTimeout: 5 * time.Second})
	require.NoError(t, err)
	require.NoError(t, builtin.Register(w))
	wctx, wcancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(wctx) })
	t.Cleanup(func() { wcancel(); wg.Wait() })
}

func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A coordinator process killed with SIGKILL while its run is in flight is
// restarted; the run finishes once: one run, every task with one try.
func TestCoordinatorKilledMidRun(t *testing.T) {
	t.Parallel()
	env := redistest.New(t)
	rdb := env.Client()
	queue := env.Queue("kill")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "yearly.yaml"), []byte(`
yearly:
  schedule: "@yearly"
  start_date: 2020-01-01
  catchup: false
  default_args:
    queue: `+queue+`
  tasks:
    - task_id: slow
      operator: sleep
      duration: 2s
    - task_id: after
      operator: noop
      dependencies: [slow]
`), 0o644))

	// The worker runs in the test process; only the coordinator is killed.
	startBuiltinWorker(t, env, queue)

	st, err := runstore.New(runstore.Config{Client: rdb, KeyPrefix: env.Prefix})
	require.NoError(t, err)
	args := []string{"coordinator", "--redis-url", env.URL, "--key-prefix", env.Prefix, "--dags", dir,
		"--addr", "127.0.0.1:0", "--lease-ttl", "1s"}
	ctx := t.Context()
	runID := "scheduled__" + time.Now().UTC().AddDate(-1, 0, 0).Format("2006") + "-01-01T00:00:00Z"
	tiState := func(task string) runstore.TIState {
		ti, err := st.TaskInstance(ctx, "yearly", runID, task)
		if err != nil {
			return ""
		}
		return ti.State
	}

	first := startChild(t, args...)
	waitUntil(t, 20*time.Second, "task slow running", func() bool { return tiState("slow") == runstore.TIRunning })
	require.NoError(t, first.cmd.Process.Signal(syscall.SIGKILL))
	<-first.done

	second := startChild(t, args...)
	waitUntil(t, 20*time.Second, "the run to finish", func() bool {
		r, err := st.GetRun(ctx, "yearly", runID)
		return err == nil && r.State.Finished()
	})
	// The restarted coordinator leads (the killed one's lease expired) and
	// creates nothing more.
	leaseKey := "{" + env.Prefix + ":coordinator}:lease"
	waitUntil(t, 10*time.Second, "the restarted coordinator to lead", func() bool {
		return strings.Contains(rdb.Get(ctx, leaseKey).Val(), fmt.Sprintf("-%d-", second.cmd.Process.Pid))
	})
	time.Sleep(200 * time.Millisecond)

	r, err := st.GetRun(ctx, "yearly", runID)
	require.NoError(t, err)
	require.Equal(t, runstore.RunSuccess, r.State)
	runs, total, err := st.ListRuns(ctx, "yearly", runstore.ListRunsOptions{})
	require.NoError(t, err)
	require.Equal(t, 1, total, "one run, not one per coordinator start")
	require.Equal(t, runID, runs[0].RunID)
	tis, err := st.TaskInstances(ctx, "yearly", runID)
	require.NoError(t, err)
	for _, ti := range tis {
		require.Equal(t, runstore.TISuccess, ti.State, ti.TaskID)
		require.Len(t, ti.Tries, 1, "task %s ran more than once", ti.TaskID)
	}

	// SIGTERM drains and exits cleanly.
	require.NoError(t, second.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-second.done:
		require.NoError(t, second.err, second.out.String())
	case <-time.After(15 * time.Second):
		t.Fatal("coordinator did not stop on SIGTERM")
	}
}
