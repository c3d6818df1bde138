package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/internal/tracing"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker/metrics"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
)

// Worker runs task instance tries from asynq queues.
type Worker struct {
	cfg  Config
	log  *slog.Logger
	conn asynq.RedisConnOpt
	rdb  redis.UniversalClient // set by Run
	eng  *engine.Engine        // set by Run
	insp *asynq.Inspector      // set by Run
	// tries is nil without Config.Metrics; met is bound by Run.
	tries *metrics.Tries
	met   *tryMetrics
	dags  *metrics.DAGs // nil without Config.Metrics
	// poolLimits caches each pool's slots (poolLimit).
	poolMu     sync.Mutex
	poolLimits map[string]poolLimit

	mu       sync.Mutex
	handlers map[string]tasks.Handler
	running  bool
	bg       sync.WaitGroup // downstream enqueues in flight
	tracer   trace.Tracer
	traced   bool // tracer records spans (not the no-op provider's)
}

// New returns a Worker. It opens no connection: Run does.
func New(cfg Config) (*Worker, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	conn := cfg.Redis
	if conn == nil {
		var err error
		if conn, err = ParseRedisURL(cfg.RedisURL); err != nil {
			return nil, fmt.Errorf("%w: RedisURL: %w", ErrConfig, err)
		}
	}
	tries, err := metrics.NewTries(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("%w: Metrics: %w", ErrConfig, err)
	}
	dags, err := metrics.NewDAGs(cfg.Metrics, cfg.MetricsMaxSeries)
	if err != nil {
		return nil, fmt.Errorf("%w: Metrics: %w", ErrConfig, err)
	}
	return &Worker{cfg: cfg, log: cfg.Logger, conn: conn, tries: tries, dags: dags, handlers: map[string]tasks.Handler{},
		tracer: tracing.Tracer(cfg.TracerProvider), traced: tracing.Enabled(cfg.TracerProvider)}, nil
}

// Handle registers h for task type (a DAG task's operator, and the asynq type
// of ad-hoc tasks). Register every type before Run.
func (w *Worker) Handle(taskType string, h tasks.Handler) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		return ErrRunning
	}
	if taskType == "" || h == nil || taskType == engine.TaskType || taskType == engine.RetryTaskType {
		return fmt.Errorf("%w: Handle(%q) with a nil handler or a reserved type", ErrConfig, taskType)
	}
	w.handlers[taskType] = h
	return nil
}

func (w *Worker) handler(taskType string) (tasks.Handler, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h, ok := w.handlers[taskType]
	return h, ok
}

// Run serves tasks until ctx ends, then stops taking new tasks and drains
// running ones within ShutdownTimeout (unfinished ones go back to the queue
// and are redelivered). It closes the worker's Redis connections on return.
func (w *Worker) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return ErrRunning
	}
	w.running = true
	types := make([]string, 0, len(w.handlers))
	for t := range w.handlers {
		types = append(types, t)
	}
	w.met = newTryMetrics(w.tries, types)
	w.mu.Unlock()
	if err := w.connect(); err != nil {
		return err
	}
	defer w.rdb.Close()

	mux := asynq.NewServeMux()
	mux.HandleFunc(engine.TaskType, w.processTI)
	mux.HandleFunc(engine.RetryTaskType, w.processRetry)
	for _, t := range types {
		mux.HandleFunc(t, w.processAdHoc)
	}
	servers := make([]*asynq.Server, 0, w.cfg.Dequeuers)
	stop := func() {
		// Side by side: the drain is bounded by one ShutdownTimeout.
		var wg sync.WaitGroup
		for _, srv := range servers {
			wg.Go(srv.Shutdown)
		}
		wg.Wait()
	}
	for i := range w.cfg.Dequeuers {
		srv := asynq.NewServerFromRedisClient(w.rdb, w.serverConfig(ctx, share(w.cfg.Concurrency, w.cfg.Dequeuers, i)))
		if err := srv.Start(mux); err != nil {
			stop()
			return fmt.Errorf("start worker: %w", err)
		}
		servers = append(servers, srv)
	}
	w.log.Info("worker started", "concurrency", w.cfg.Concurrency, "dequeuers", w.cfg.Dequeuers,
		"queues", w.cfg.Queues, "task_types", types)
	<-ctx.Done()
	stop()
	w.bg.Wait()
	w.log.Info("worker stopped")
	return nil
}

// serverConfig is the config of one of the worker's asynq servers, with
// concurrency slots.
func (w *Worker) serverConfig(ctx context.Context, concurrency int) asynq.Config {
	return asynq.Config{
		Concurrency:       concurrency,
		Queues:            w.cfg.Queues,
		TaskCheckInterval: w.cfg.TaskCheckInterval * time.Duration(w.cfg.Dequeuers),
		// Retry timers (ProcessIn) move to their queue within a second
		// instead of asynq's default five.
		DelayedTaskCheckInterval: time.Second,
		ShutdownTimeout:          w.cfg.ShutdownTimeout,
		Logger:                   asynqLogger{w.log},
		LogLevel:                 asynq.WarnLevel,
		RetryDelayFunc:           retryDelay,
		IsFailure:                isFailure,
		BaseContext:              func() context.Context { return context.WithoutCancel(ctx) },
	}
}

// share returns part i of n of total, the remainder going to the first
// parts: share(10, 3, i) is 4, 3, 3.
func share(total, n, i int) int {
	s := total / n
	if i < total%n {
		s++
	}
	return s
}

// connect opens the Redis client shared by the asynq servers, the asynq
// client and the run store.
func (w *Worker) connect() error {
	rdb, ok := w.conn.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return fmt.Errorf("%w: unsupported Redis connection %T", ErrConfig, w.conn)
	}
	st, err := runstore.New(runstore.Config{Client: rdb, KeyPrefix: w.cfg.KeyPrefix, Clock: w.cfg.Clock})
	if err != nil {
		_ = rdb.Close()
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	eng, err := engine.New(engine.Config{Store: st, Client: asynq.NewClientFromRedisClient(rdb),
		Logger: w.cfg.Logger, Clock: w.cfg.Clock, TracerProvider: w.cfg.TracerProvider})
	if err != nil {
		_ = rdb.Close()
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	w.rdb, w.eng, w.insp = rdb, eng, asynq.NewInspectorFromRedisClient(rdb)
	return nil
}
