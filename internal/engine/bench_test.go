package engine_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// benchTasks is the 20,000; DAGWORKER_BENCH_TASKS overrides it for
// quick runs.
var benchTasks = func() int {
	if n, err := strconv.Atoi(os.Getenv("DAGWORKER_BENCH_TASKS")); err == nil && n >= 10 {
		return n - n%10
	}
	return 20000
}()

const (
	benchConcurrency = 16
	benchPoll        = 5 * time.Millisecond
)

// benchDequeuers is how many asynq servers our worker runs in the
// benchmarks: worker.Config.Dequeuers' default.
var benchDequeuers = worker.Config{Concurrency: benchConcurrency}.WithDefaults().Dequeuers

// benchRedis is a private redis-server, so INFO commandstats counts only
// the benchmark's commands.
type benchRedis struct {
	opt asynq.RedisClientOpt
	rdb *redis.Client
}

func newBenchRedis(b *testing.B) *benchRedis {
	srv := redistest.StartOwn(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	b.Cleanup(func() { _ = rdb.Close() })
	return &benchRedis{opt: asynq.RedisClientOpt{Addr: srv.Addr}, rdb: rdb}
}

// commands returns the total calls in INFO commandstats.
func (r *benchRedis) commands(b *testing.B) int64 {
	info, err := r.rdb.Info(context.Background(), "commandstats").Result()
	require.NoError(b, err)
	var total int64
	for _, line := range strings.Split(info, "\n") {
		_, rest, ok := strings.Cut(line, "calls=")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.SplitN(rest, ",", 2)[0], 10, 64)
		total += n
	}
	return total
}

// persistence returns how many AOF rewrites the server has done (each
// forks it and competes for the machine's cores) and the AOF's size.
func (r *benchRedis) persistence(b *testing.B) (rewrites, size float64) {
	info, err := r.rdb.Info(context.Background(), "persistence").Result()
	require.NoError(b, err)
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		n, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "aof_rewrites":
			rewrites = n
		case "aof_current_size":
			size = n
		}
	}
	return rewrites, size
}

// reportAOF reports a phase's AOF rewrites and AOF bytes per task.
func (r *benchRedis) reportAOF(b *testing.B, phase string, n int) {
	rewrites, size := r.persistence(b)
	b.ReportMetric(rewrites, phase+"_aof_rewrites")
	b.ReportMetric(size/float64(n), phase+"_aof_bytes/task")
}

// cpu returns redis-server's used CPU seconds (user+sys).
func (r *benchRedis) cpu(b *testing.B) float64 {
	info, err := r.rdb.Info(context.Background(), "cpu").Result()
	require.NoError(b, err)
	var total float64
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return total
}

// cpuMeter measures the CPU time (user+sys) of this process and of
// redis-server over a phase: on a shared machine CPU per task is a steadier
// figure than tasks/s, and with every core busy it is what bounds the rate.
type cpuMeter struct {
	r         *benchRedis
	own, rcpu float64
}

func processCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func startCPU(b *testing.B, r *benchRedis) cpuMeter {
	return cpuMeter{r: r, own: processCPU(), rcpu: r.cpu(b)}
}

// perTask returns the microseconds of CPU per task since the start: this
// process and redis-server together, and redis-server alone.
func (m cpuMeter) perTask(b *testing.B, n int) (all, redis float64) {
	rcpu := (m.r.cpu(b) - m.rcpu) * 1e6 / float64(n)
	return (processCPU()-m.own)*1e6/float64(n) + rcpu, rcpu
}

// rawAsynq drains n no-op tasks through plain asynq, benchConcurrency slots
// split among servers asynq servers, each polling an empty queue every
// servers × benchPoll as our worker's dequeuers do: tasks/s, commands/task
// and CPU µs/task (both processes, redis-server alone).
func rawAsynq(b *testing.B, r *benchRedis, n, servers int) (rate, cmds, cpu, redisCPU float64) {
	var done atomic.Int64
	all := make(chan struct{})
	mux := asynq.NewServeMux()
	mux.HandleFunc("noop", func(context.Context, *asynq.Task) error {
		if done.Add(1) == int64(n) {
			close(all)
		}
		return nil
	})
	for i := range servers {
		slots := benchConcurrency / servers
		if i < benchConcurrency%servers {
			slots++
		}
		srv := asynq.NewServer(r.opt, asynq.Config{Concurrency: slots, Queues: map[string]int{"raw": 1},
			TaskCheckInterval: benchPoll * time.Duration(servers), LogLevel: asynq.ErrorLevel})
		require.NoError(b, srv.Start(mux))
		defer srv.Shutdown()
	}
	client := asynq.NewClient(r.opt)
	defer client.Close()
	c0, cpu0 := r.commands(b), r.cpu(b)
	m := startCPU(b, r)
	start := time.Now()
	parallel(n, func(i int) {
		_, err := client.Enqueue(asynq.NewTask("noop", nil), asynq.Queue("raw"))
		if err != nil {
			b.Error(err)
		}
	})
	<-all
	el := time.Since(start)
	b.ReportMetric((r.cpu(b)-cpu0)/el.Seconds(), "raw_redis_cpu_util")
	cpu, redisCPU = m.perTask(b, n)
	return float64(n) / el.Seconds(), float64(r.commands(b)-c0) / float64(n), cpu, redisCPU
}

func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// ours runs the DAG's runs on our worker; handlers get extra task types.
type ours struct {
	r     *benchRedis
	eng   *engine.Engine
	store *runstore.Store
	stop  func()
	// ran counts the no-op handler's calls.
	ran atomic.Int64
}

func newOurs(b *testing.B, r *benchRedis, extra map[string]tasks.Handler) *ours {
	rdb := redis.NewClient(&redis.Options{Addr: r.opt.Addr, PoolSize: 64})
	st, err := runstore.New(runstore.Config{Client: rdb})
	require.NoError(b, err)
	client := asynq.NewClientFromRedisClient(rdb)
	eng, err := engine.New(engine.Config{Store: st, Client: client, DefaultQueue: "ours", Retention: benchRetention})
	require.NoError(b, err)
	w, err := worker.New(worker.Config{Redis: r.opt, Concurrency: benchConcurrency, Queues: map[string]int{"ours": 1},
		TaskCheckInterval: benchPoll})
	require.NoError(b, err)
	o := &ours{r: r, eng: eng, store: st}
	require.NoError(b, w.Handle("noop", tasks.HandlerFunc(func(context.Context, *tasks.Task) (any, error) {
		o.ran.Add(1)
		return nil, nil
	})))
	for k, h := range extra {
		require.NoError(b, w.Handle(k, h))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	o.stop = func() {
		cancel()
		<-done
		_ = rdb.Close()
	}
	return o
}

// waitRan waits until the no-op handler ran n times: the moment raw asynq's
// timing ends too (its last handler call), measured without reading Redis.
// waitAll then checks, outside the timing, that every run succeeded.
func (o *ours) waitRan(n int) {
	for o.ran.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
}

func (o *ours) waitAll(b *testing.B, dagID string, runIDs []string) {
	ctx := context.Background()
	for _, id := range runIDs {
		for {
			run, err := o.store.GetRun(ctx, dagID, id)
			require.NoError(b, err)
			if run.State.Finished() {
				require.Equal(b, runstore.RunSuccess, run.State)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func wideDAG(n int) *dag.DAG {
	d := &dag.DAG{ID: "wide", Version: "v", MaxActiveTasks: n}
	for i := 0; i < n; i++ {
		d.Tasks = append(d.Tasks, &dag.Task{ID: "t" + strconv.Itoa(i), Operator: "noop", TriggerRule: dag.AllSuccess})
	}
	return d
}

func chainDAG(id string, n int, op string) *dag.DAG {
	d := &dag.DAG{ID: id, Version: "v", MaxActiveRuns: 100000}
	for i := 0; i < n; i++ {
		t := &dag.Task{ID: fmt.Sprintf("t%02d", i), Operator: op, TriggerRule: dag.AllSuccess}
		if i > 0 {
			t.Upstream = []string{fmt.Sprintf("t%02d", i-1)}
		}
		if i < n-1 {
			t.Downstream = []string{fmt.Sprintf("t%02d", i+1)}
		}
		d.Tasks = append(d.Tasks, t)
	}
	return d
}

// BenchmarkThroughput: 20,000 no-op tasks as one wide DAG and as 2,000 runs
// of a 10-task chain, against raw asynq at the same concurrency. Raw asynq
// runs before, between and after the two (raw, wide, raw, chain, raw) and
// each of ours is divided by the mean of the raw phases beside it, so a
// machine that slows down or speeds up during the run moves both sides of a
// ratio alike; raw_spread (slowest raw phase ÷ fastest) shows how much it
// moved. Every phase gets a fresh redis-server of the same configuration,
// so none pays for an earlier phase's data (an AOF rewrite triggered by
// what another phase wrote, for one).
//
// The baseline is raw asynq as it comes: one server, so one loop
// dequeuing a task at a time. Our worker runs worker.Config.Dequeuers such
// loops (2 by default) with the same 16 slots split among them, and raw
// asynq gains from that too, more than we do: each round ends with a raw
// phase split the same way, and wide_ratio_split and chain_ratio_split
// divide by it. The first pair is what a user gets against plain asynq;
// the second is our overhead at equal dequeue loops.
//
// With -benchtime Nx it runs N such rounds and reports the median ratios
// with their range (wide_ratio_min, ..._max); every other figure is the last
// round's: `go test -run '^$' -bench Throughput -benchtime 5x ./internal/engine`
// gives the median of five rounds, a steadier figure on a shared machine.
func BenchmarkThroughput(b *testing.B) {
	var wideRatios, chainRatios, wideSplit, chainSplit []float64
	for i := 0; i < b.N; i++ {
		var raws []rawResult
		raw := func() rawResult {
			r := newBenchRedis(b)
			var res rawResult
			res.rate, res.cmds, res.cpu, res.redis = rawAsynq(b, r, benchTasks, 1)
			r.reportAOF(b, "raw", benchTasks)
			raws = append(raws, res)
			return res
		}
		ctx := context.Background()

		raw1 := raw()
		r := newBenchRedis(b)
		o := newOurs(b, r, nil)
		c0, start := r.commands(b), time.Now()
		m := startCPU(b, r)
		res, err := o.eng.CreateRun(ctx, wideDAG(benchTasks), engine.RunOptions{RunID: "wide"})
		require.NoError(b, err)
		o.waitRan(benchTasks)
		wideRate := float64(benchTasks) / time.Since(start).Seconds()
		wideCmds := float64(r.commands(b)-c0) / float64(benchTasks)
		wideCPU, wideRedis := m.perTask(b, benchTasks)
		o.waitAll(b, "wide", []string{res.Run.RunID})
		o.stop()
		r.reportAOF(b, "wide", benchTasks)

		raw2 := raw()
		r = newBenchRedis(b)
		o = newOurs(b, r, nil)
		runs := benchTasks / 10
		d := chainDAG("chain", 10, "noop")
		ids := make([]string, runs)
		c0, start = r.commands(b), time.Now()
		cpu0 := r.cpu(b)
		m = startCPU(b, r)
		parallel(runs, func(j int) {
			res, err := o.eng.CreateRun(ctx, d, engine.RunOptions{RunID: "r" + strconv.Itoa(j)})
			if err != nil {
				b.Error(err)
				return
			}
			ids[j] = res.Run.RunID
		})
		o.waitRan(benchTasks)
		chainRate := float64(benchTasks) / time.Since(start).Seconds()
		b.ReportMetric((r.cpu(b)-cpu0)/time.Since(start).Seconds(), "chain_redis_cpu_util")
		chainCmds := float64(r.commands(b)-c0) / float64(benchTasks)
		chainCPU, chainRedis := m.perTask(b, benchTasks)
		o.waitAll(b, "chain", ids)
		o.stop()
		r.reportAOF(b, "chain", benchTasks)
		raw3 := raw()
		// Raw asynq with its slots split among as many servers as our
		// worker runs dequeue loops (worker.Config.Dequeuers).
		r = newBenchRedis(b)
		var split rawResult
		split.rate, split.cmds, split.cpu, split.redis = rawAsynq(b, r, benchTasks, benchDequeuers)
		wideSplit = append(wideSplit, wideRate/split.rate)
		chainSplit = append(chainSplit, chainRate/split.rate)
		b.ReportMetric(split.rate, "raw_split_tasks/s")
		b.ReportMetric(split.cpu, "raw_split_cpu_us/task")

		beforeWide, beforeChain, all := mean(raw1, raw2), mean(raw2, raw3), mean(raws...)
		slowest, fastest := raws[0].rate, raws[0].rate
		for _, x := range raws {
			slowest, fastest = min(slowest, x.rate), max(fastest, x.rate)
		}
		b.ReportMetric(fastest/slowest, "raw_spread")
		b.ReportMetric(all.rate, "raw_tasks/s")
		b.ReportMetric(wideRate, "wide_tasks/s")
		b.ReportMetric(chainRate, "chain_tasks/s")
		wideRatios = append(wideRatios, wideRate/beforeWide.rate)
		chainRatios = append(chainRatios, chainRate/beforeChain.rate)
		b.ReportMetric(all.cmds, "raw_cmds/task")
		b.ReportMetric(wideCmds/all.cmds, "wide_cmds_ratio")
		b.ReportMetric(chainCmds/all.cmds, "chain_cmds_ratio")
		b.ReportMetric(all.cpu, "raw_cpu_us/task")
		b.ReportMetric(wideCPU, "wide_cpu_us/task")
		b.ReportMetric(chainCPU, "chain_cpu_us/task")
		b.ReportMetric(beforeWide.cpu/wideCPU, "wide_cpu_ratio")
		b.ReportMetric(beforeChain.cpu/chainCPU, "chain_cpu_ratio")
		b.ReportMetric(all.redis, "raw_redis_cpu_us/task")
		b.ReportMetric(wideRedis, "wide_redis_cpu_us/task")
		b.ReportMetric(chainRedis, "chain_redis_cpu_us/task")
	}
	reportSpread(b, "wide_ratio", wideRatios)
	reportSpread(b, "chain_ratio", chainRatios)
	reportSpread(b, "wide_ratio_split", wideSplit)
	reportSpread(b, "chain_ratio_split", chainSplit)
}

// reportSpread reports the median of xs as name and, for more than one
// value, their minimum and maximum as name_min and name_max.
func reportSpread(b *testing.B, name string, xs []float64) {
	if len(xs) == 0 {
		return
	}
	s := slices.Sorted(slices.Values(xs))
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	b.ReportMetric(med, name)
	if len(s) > 1 {
		b.ReportMetric(s[0], name+"_min")
		b.ReportMetric(s[len(s)-1], name+"_max")
	}
}

// rawResult is one raw asynq phase: tasks/s, commands per task, CPU µs per
// task (both processes) and redis-server's share of it.
type rawResult struct{ rate, cmds, cpu, redis float64 }

// mean averages raw phases field by field.
func mean(rs ...rawResult) rawResult {
	var m rawResult
	for _, r := range rs {
		m.rate += r.rate / float64(len(rs))
		m.cmds += r.cmds / float64(len(rs))
		m.cpu += r.cpu / float64(len(rs))
		m.redis += r.redis / float64(len(rs))
	}
	return m
}

// BenchmarkEdgeLatency: upstream handler returned → downstream handler
// started, over a 40-task chain.
func BenchmarkEdgeLatency(b *testing.B) {
	for i := 0; i < b.N; i++ {
		r := newBenchRedis(b)
		var mu sync.Mutex
		starts, ends := map[string]time.Time{}, map[string]time.Time{}
		o := newOurs(b, r, map[string]tasks.Handler{
			"stamp": tasks.HandlerFunc(func(_ context.Context, t *tasks.Task) (any, error) {
				mu.Lock()
				starts[t.Info.TaskID] = time.Now()
				mu.Unlock()
				defer func() {
					mu.Lock()
					ends[t.Info.TaskID] = time.Now()
					mu.Unlock()
				}()
				return nil, nil
			}),
		})
		res, err := o.eng.CreateRun(context.Background(), chainDAG("edge", 40, "stamp"), engine.RunOptions{RunID: "e"})
		require.NoError(b, err)
		o.waitAll(b, "edge", []string{res.Run.RunID})
		o.stop()
		var lat []time.Duration
		for j := 1; j < 40; j++ {
			lat = append(lat, starts[fmt.Sprintf("t%02d", j)].Sub(ends[fmt.Sprintf("t%02d", j-1)]))
		}
		sort.Slice(lat, func(a, c int) bool { return lat[a] < lat[c] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "edge_p50_ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "edge_p99_ms")
	}
}

// benchRetention is the engine's Retention in the benchmarks.
var benchRetention = func() time.Duration {
	d, err := time.ParseDuration(os.Getenv("DAGWORKER_BENCH_RETENTION"))
	if err != nil {
		return 0
	}
	return d
}()

// BenchmarkIdlePolling: Redis commands per second of one idle worker (the
// price of its TaskCheckInterval), over two seconds.
func BenchmarkIdlePolling(b *testing.B) {
	for i := 0; i < b.N; i++ {
		r := newBenchRedis(b)
		o := newOurs(b, r, nil)
		time.Sleep(200 * time.Millisecond)
		c0, start := r.commands(b), time.Now()
		time.Sleep(2 * time.Second)
		n := r.commands(b) - c0 - 1
		o.stop()
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "idle_cmds/s")
	}
}

// BenchmarkReconcileSweep: one reconcile of a 20,000-task run whose tries
// are all queued in asynq (no worker takes them), the reconcile sweep's
// worst case: every unfinished task instance is checked against asynq.
func BenchmarkReconcileSweep(b *testing.B) {
	r := newBenchRedis(b)
	rdb := redis.NewClient(&redis.Options{Addr: r.opt.Addr, PoolSize: 64})
	b.Cleanup(func() { _ = rdb.Close() })
	st, err := runstore.New(runstore.Config{Client: rdb})
	require.NoError(b, err)
	eng, err := engine.New(engine.Config{Store: st, Client: asynq.NewClientFromRedisClient(rdb), DefaultQueue: "ours"})
	require.NoError(b, err)
	ctx := context.Background()
	_, err = eng.CreateRun(ctx, wideDAG(benchTasks), engine.RunOptions{RunID: "wide"})
	require.NoError(b, err)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := r.commands(b)
		m := startCPU(b, r)
		start := time.Now()
		rep, err := eng.ReconcileDAG(ctx, "wide")
		el := time.Since(start)
		require.NoError(b, err)
		require.Zero(b, rep.Total(), "nothing to repair")
		all, redisCPU := m.perTask(b, 1)
		b.ReportMetric(float64(el.Milliseconds()), "sweep_ms")
		b.ReportMetric(float64(r.commands(b)-c0-2), "redis_cmds/sweep")
		b.ReportMetric(redisCPU/1000, "redis_cpu_ms/sweep")
		b.ReportMetric((all-redisCPU)/1000, "go_cpu_ms/sweep")
	}
}
