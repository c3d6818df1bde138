package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// BenchmarkNightlyRunMemory measures the Redis memory one finished run of
// the shipped nightly DAG keeps (the demo: 40 pages scraped, classified,
// rendered): run_store_bytes/run sums MEMORY USAGE over the DAG's keys,
// run_store_keys/run counts them, asynq_keys/run counts asynq's finished
// task records (kept for the TaskID retention, 24h), used_memory/run is
// INFO's used_memory delta. Run with -benchtime 3x.
func BenchmarkNightlyRunMemory(b *testing.B) {
	srv := redistest.StartOwn(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	used := func() int64 {
		info, err := rdb.Info(ctx, "memory").Result()
		require.NoError(b, err)
		for _, l := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(l, "used_memory:"); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				require.NoError(b, err)
				return n
			}
		}
		b.Fatal("no used_memory in INFO")
		return 0
	}
	sum := func(pattern string) (keys int, bytes int64) {
		ks, err := rdb.Keys(ctx, pattern).Result()
		require.NoError(b, err)
		for _, k := range ks {
			n, err := rdb.MemoryUsage(ctx, k).Result()
			require.NoError(b, err)
			bytes += n
		}
		return len(ks), bytes
	}
	lake := "file://" + filepath.ToSlash(b.TempDir())
	demo := func() {
		var out, errOut bytes.Buffer
		require.NoError(b, run(ctx, []string{"demo", "--redis-url", srv.URL(), "--pages", "40", "--blob-url", lake}, &out, &errOut), errOut.String())
	}
	demo() // the function library, asynq's queues and the DAG's indexes exist from now on
	keys0, bytes0 := sum("{dagworker:nightly_sites}:*")
	asynq0, _ := sum("asynq:*:t:*")
	used0 := used()
	runs := 0
	for b.Loop() {
		demo()
		runs++
	}
	keys1, bytes1 := sum("{dagworker:nightly_sites}:*")
	asynq1, _ := sum("asynq:*:t:*")
	b.ReportMetric(float64(bytes1-bytes0)/float64(runs), "run_store_bytes/run")
	b.ReportMetric(float64(keys1-keys0)/float64(runs), "run_store_keys/run")
	b.ReportMetric(float64(asynq1-asynq0)/float64(runs), "asynq_keys/run")
	b.ReportMetric(float64(used()-used0)/float64(runs), "used_memory/run")
}
