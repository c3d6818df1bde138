package worker

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/dagworker/dagworker/internal/tracing"
	"github.com/dagworker/dagworker/tasks"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// Config configures a Worker.
type Config struct {
	// Redis is the connection (asynq.RedisClientOpt, RedisFailoverClientOpt
	// for Sentinel, RedisClusterClientOpt). Set it or RedisURL.
	Redis asynq.RedisConnOpt
	// RedisURL is used when Redis is nil; see ParseRedisURL
	// (redis://[:password@]host:port/db, rediss://..., redis-sentinel://...,
	// redis-cluster://host:port,host:port).
	RedisURL string
	// Concurrency is how many tries run at once. Default 10.
	Concurrency int
	// Dequeuers is how many asynq servers the worker runs side by side,
	// Concurrency split among them. An asynq server takes one task from
	// Redis at a time, so with short tries its one dequeue loop, not the
	// handlers, bounds the rate: measured on 2 cores with 16 no-op slots,
	// 2 loops drained 2,000 runs of a 10-task chain 15-40% faster than 1
	// (three interleaved runs), 3 or 4 up to 20% faster again, less
	// steadily. Each loop polls empty queues every Dequeuers ×
	// TaskCheckInterval, so the worker polls its queues as often as one
	// loop would; each more server adds only its heartbeat and forwarder
	// (idle: ~560 Redis commands/s with 2, ~520 with 1). At most
	// Concurrency. Default 2 (1 when Concurrency is 1).
	Dequeuers int
	// Queues maps queue names to weights. Default {"default": 1}.
	Queues map[string]int
	// Lake stores the captured log of each try (logs/<dag>/<run>/<task>/<try>.log)
	// and is given to handlers. Default nil: logs go only to Logger and
	// handlers get a nil Lake.
	Lake *tasks.Lake
	// Logger receives the worker's and the tasks' logs. Default: discard.
	Logger *slog.Logger
	// KeyPrefix prefixes dagworker's run-state keys; it must match the
	// coordinator's. Default "dagworker".
	KeyPrefix string
	// TaskCheckInterval is how often an idle worker polls empty queues
	// (each of its Dequeuers loops every Dequeuers × TaskCheckInterval,
	// asynq sleeping between half and one and a half of that). asynq's 1s
	// default makes every DAG edge cost up to a second. A chain edge waits
	// for the next poll of a loop that found the queue empty: with 2 loops,
	// 5ms measured edge p50 ≈ 6ms and p99 ≈ 13ms at ~560 idle Redis
	// commands/s per worker (with 1 loop: p50 ≈ 6.5ms at ~525/s; 10ms: p50 ≈
	// 11ms at ~280/s). Default 5ms.
	TaskCheckInterval time.Duration
	// ShutdownTimeout bounds the drain when Run's context ends: running tries
	// get this long to finish before they are handed back to the queue.
	// Default 30s.
	ShutdownTimeout time.Duration
	// MarkRunningAfter is how long a try runs before the worker marks it
	// running in the run store. A try whose payload carries its task's
	// static fields (most do) starts without reading Redis: one round trip
	// less per try. It shows as queued until it has run this long, and a
	// try found stale then (its run was cleared, failed or deleted) has its
	// context cancelled and its outcome dropped. A try that ends sooner goes
	// from queued to its outcome in the completion step, with its start and
	// host. Negative marks every try running before its handler starts.
	// Default 100ms.
	MarkRunningAfter time.Duration
	// Hostname is recorded on each try. Default os.Hostname().
	Hostname string
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
	// Pools caps concurrent tries per Airflow pool (name → slots; a task
	// takes its pool_slots). A pool not listed is unlimited. Every worker
	// must be given the same sizes. Default none.
	Pools map[string]int
	// PoolLease is how long a pool slot stays held without renewal (a
	// crashed worker's slots free themselves after it). Default 1m.
	PoolLease time.Duration
	// LogMaxBytes caps a try's captured log (the rest is cut). Default 8 MiB.
	LogMaxBytes int
	// LogFlushInterval is how often a running try's log so far is written
	// to the data lake (at its final key), so the UI and the API can show
	// it while the try runs. Default 2s; negative: only at the end.
	LogFlushInterval time.Duration
	// Metrics receives the try metrics (package metrics, Tries: tries
	// started/finished by task type and state, durations, running, panics,
	// completion latency) when New is called. Default nil: no metrics. Use a
	// registry of your own (prometheus.NewRegistry), not the global one, and
	// one Worker per registry.
	Metrics prometheus.Registerer
	// MetricsMaxSeries caps the distinct (dag_id, task_id) pairs, and dag
	// ids, of the per-DAG metrics (metrics.DAGs); the ones past it are
	// counted as "_other". Default metrics.DefaultMaxSeries (2,000).
	MetricsMaxSeries int
	// TracerProvider records a span per try ("try <task_id>", a child of
	// the run's span whose context the asynq task's traceparent header
	// carries; the handler's context holds it) and the run spans of the
	// runs the worker's completions end. Default: a no-op provider.
	TracerProvider trace.TracerProvider
}

// DefaultMarkRunningAfter is Config.MarkRunningAfter's default.
const DefaultMarkRunningAfter = 100 * time.Millisecond

// WithDefaults returns c with unset fields filled.
func (c Config) WithDefaults() Config {
	if c.Concurrency == 0 {
		c.Concurrency = 10
	}
	if c.Dequeuers == 0 {
		c.Dequeuers = min(2, max(c.Concurrency, 1))
	}
	if len(c.Queues) == 0 {
		c.Queues = map[string]int{"default": 1}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = "dagworker"
	}
	if c.TaskCheckInterval == 0 {
		c.TaskCheckInterval = 5 * time.Millisecond
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.MarkRunningAfter == 0 {
		c.MarkRunningAfter = DefaultMarkRunningAfter
	}
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
		if c.Hostname == "" {
			c.Hostname = "localhost"
		}
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.PoolLease == 0 {
		c.PoolLease = time.Minute
	}
	if c.LogMaxBytes == 0 {
		c.LogMaxBytes = 8 << 20
	}
	if c.LogFlushInterval == 0 {
		c.LogFlushInterval = 2 * time.Second
	}
	c.TracerProvider = tracing.Provider(c.TracerProvider)
	return c
}

func (c Config) validate() error {
	if c.Redis == nil && c.RedisURL == "" {
		return fmt.Errorf("%w: set Redis or RedisURL", ErrConfig)
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("%w: Concurrency %d < 1", ErrConfig, c.Concurrency)
	}
	if c.Dequeuers < 1 || c.Dequeuers > c.Concurrency {
		return fmt.Errorf("%w: Dequeuers %d not between 1 and Concurrency %d", ErrConfig, c.Dequeuers, c.Concurrency)
	}
	for q, w := range c.Queues {
		if q == "" || w < 1 {
			return fmt.Errorf("%w: queue %q with weight %d", ErrConfig, q, w)
		}
	}
	if c.TaskCheckInterval < time.Millisecond {
		return fmt.Errorf("%w: TaskCheckInterval %s under 1ms", ErrConfig, c.TaskCheckInterval)
	}
	for p, n := range c.Pools {
		if p == "" || n < 1 {
			return fmt.Errorf("%w: pool %q with %d slots", ErrConfig, p, n)
		}
	}
	if c.PoolLease < time.Second {
		return fmt.Errorf("%w: PoolLease %s under 1s", ErrConfig, c.PoolLease)
	}
	if c.ShutdownTimeout < 0 || c.LogMaxBytes < 0 || c.MetricsMaxSeries < 0 {
		return fmt.Errorf("%w: negative ShutdownTimeout, LogMaxBytes or MetricsMaxSeries", ErrConfig)
	}
	return nil
}
