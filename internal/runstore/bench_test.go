package runstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// redisCounters returns redis-server's used CPU seconds, total command
// calls and the microseconds spent in the steps (INFO cpu and commandstats;
// calls count the commands inside the steps too).
func redisCounters(b *testing.B, rdb *redis.Client) (cpu float64, calls, usec int64) {
	info, err := rdb.Info(context.Background(), "cpu", "commandstats").Result()
	require.NoError(b, err)
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			f, _ := strconv.ParseFloat(v, 64)
			cpu += f
		}
		if _, rest, ok := strings.Cut(line, "calls="); ok {
			n, _ := strconv.ParseInt(strings.SplitN(rest, ",", 2)[0], 10, 64)
			calls += n
			if strings.HasPrefix(line, "cmdstat_evalsha:") || strings.HasPrefix(line, "cmdstat_eval:") ||
				strings.HasPrefix(line, "cmdstat_fcall:") {
				_, rest, _ = strings.Cut(rest, "usec=")
				n, _ = strconv.ParseInt(strings.SplitN(rest, ",", 2)[0], 10, 64)
				usec += n
			}
		}
	}
	return cpu, calls, usec
}

// BenchmarkTrySteps measures the run store's share of a try without asynq:
// 200 runs of a 10-task chain driven through StartTry and Complete by 16
// goroutines. It reports redis-server CPU, commands and time inside the two
// steps per try (start + complete), and this process's CPU per try: the
// cost every task pays on top of asynq's own. The steps run as Redis
// functions (FCALL) and, for comparison, as scripts (EVALSHA, the fallback
// for servers without functions).
func BenchmarkTrySteps(b *testing.B) {
	b.Run("functions", func(b *testing.B) { benchTrySteps(b, false) })
	b.Run("scripts", func(b *testing.B) { benchTrySteps(b, true) })
}

func benchTrySteps(b *testing.B, evalOnly bool) {
	const runs, width, workers = 200, 10, 16
	srv := redistest.StartOwn(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 2 * workers})
	b.Cleanup(func() { _ = rdb.Close() })
	st, err := New(Config{Client: rdb})
	require.NoError(b, err)
	st.evalOnly.Store(evalOnly)
	ctx := context.Background()
	snap := chain("bench", width)
	snap.MaxActiveRuns = runs
	for i := 0; i < b.N; i++ {
		queue := make(chan Dispatch, runs*width)
		for r := 0; r < runs; r++ {
			res, err := st.CreateRun(ctx, NewRun{DAG: snap, RunID: "i" + strconv.Itoa(i) + "r" + strconv.Itoa(r)})
			require.NoError(b, err)
			for _, d := range res.Dispatch {
				queue <- d
			}
		}
		cpu0, calls0, usec0 := redisCounters(b, rdb)
		own0 := processCPU()
		start := time.Now()
		var wg sync.WaitGroup
		var left sync.WaitGroup
		left.Add(runs * width)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for d := range queue {
					info, err := st.StartTry(ctx, d.DagID, d.RunID, d.TaskID, d.Try, "bench")
					if err == nil {
						var res *CompleteResult
						res, err = st.Complete(ctx, Completion{DagID: d.DagID, RunID: d.RunID, TaskID: d.TaskID,
							Try: info.TI.TryNumber, Outcome: OutcomeSuccess, Record: Try{StartDate: time.Now()}})
						if err == nil {
							for _, n := range res.Dispatch {
								queue <- n
							}
						}
					}
					if err != nil {
						b.Error(err)
					}
					left.Done()
				}
			}()
		}
		left.Wait()
		close(queue)
		wg.Wait()
		el := time.Since(start)
		own := processCPU() - own0
		cpu1, calls1, usec1 := redisCounters(b, rdb)
		n := float64(runs * width)
		b.ReportMetric(own*1e6/n, "go_cpu_us/try")
		b.ReportMetric(n/el.Seconds(), "tries/s")
		b.ReportMetric((cpu1-cpu0)*1e6/n, "redis_cpu_us/try")
		b.ReportMetric(float64(calls1-calls0-2)/n, "redis_cmds/try")
		b.ReportMetric(float64(usec1-usec0)/n, "script_us/try")
	}
}

// BenchmarkCreateRun measures run creation alone: 2,000 runs of a 10-task
// chain created by 16 goroutines (the engine benchmark's chain case pays
// this once per 10 tasks). It reports redis-server CPU and time inside the
// create script per run, and this process's CPU per run.
func BenchmarkCreateRun(b *testing.B) {
	const runs, width, workers = 2000, 10, 16
	srv := redistest.StartOwn(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 2 * workers})
	b.Cleanup(func() { _ = rdb.Close() })
	st, err := New(Config{Client: rdb})
	require.NoError(b, err)
	ctx := context.Background()
	snap := chain("bench", width)
	snap.MaxActiveRuns = runs * (b.N + 1)
	for i := 0; i < b.N; i++ {
		cpu0, _, usec0 := redisCounters(b, rdb)
		own0 := processCPU()
		start := time.Now()
		var wg sync.WaitGroup
		next := make(chan int, runs)
		for r := 0; r < runs; r++ {
			next <- r
		}
		close(next)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range next {
					_, err := st.CreateRun(ctx, NewRun{DAG: snap, RunID: "i" + strconv.Itoa(i) + "r" + strconv.Itoa(r)})
					if err != nil {
						b.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		el := time.Since(start)
		own := processCPU() - own0
		cpu1, _, usec1 := redisCounters(b, rdb)
		b.ReportMetric(runs/el.Seconds(), "runs/s")
		b.ReportMetric((cpu1-cpu0)*1e6/runs, "redis_cpu_us/run")
		b.ReportMetric(float64(usec1-usec0)/runs, "script_us/run")
		b.ReportMetric(own*1e6/runs, "go_cpu_us/run")
	}
}

func processCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
