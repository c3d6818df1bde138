package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/internal/tracing"
	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Config configures an Engine.
type Config struct {
	// Store holds the run state (required).
	Store *runstore.Store
	// Client enqueues task instances (required). The caller closes it.
	Client *asynq.Client
	// Logger receives the engine's logs. Default: discard.
	Logger *slog.Logger
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
	// Retention keeps a finished asynq task (and so its TaskID) this long, so
	// a replayed enqueue of the same try is a no-op. Default 24h.
	Retention time.Duration
	// MaxRedeliveries is asynq's MaxRetry: how often a try is handed out
	// again after a worker crashed (our retries are new tries). Default 3.
	MaxRedeliveries int
	// DefaultTimeout is asynq's Timeout for tasks without an
	// execution_timeout. Default 24h.
	DefaultTimeout time.Duration
	// DefaultQueue is the queue of tasks that set none and whose operator
	// is not in OperatorQueues. Default "default".
	DefaultQueue string
	// OperatorQueues maps an operator to its default queue. Default none.
	OperatorQueues map[string]string
	// EnqueueParallelism bounds concurrent enqueues of one step, and the
	// concurrent asynq look-ups of one reconcile. Default 16.
	EnqueueParallelism int
	// LostTaskGrace is how long a try may be running (or queued, when asynq
	// already completed its task) while asynq holds no live task for it
	// before Reconcile declares it lost. It covers a worker between its
	// completion step and asynq's acknowledgement. An archived asynq task is
	// lost at once. Default DefaultLostTaskGrace.
	LostTaskGrace time.Duration
	// SweepChecks bounds the queued tries of one run that a reconcile checks
	// against asynq, oldest first; running tries and retry timers are always
	// checked. A try lost between its step and its enqueue stays queued
	// while the run's other tries leave that state, so it reaches the front.
	// Default DefaultSweepChecks.
	SweepChecks int
	// LostWorkerGrace is how long a try's asynq task may be active while no
	// live asynq server holds it (its worker's heartbeat key expired:
	// asynq writes it every 5s with a 10s TTL) before Reconcile fails the
	// try as lost. asynq itself redelivers such a task only 60-120s after
	// the crash (its lease and recoverer periods are fixed). The grace is
	// counted from the first sweep that saw the task unheld, so it must
	// exceed asynq's 5s heartbeat: a worker whose key lapsed while Redis
	// was unreachable writes it again within one heartbeat. Default
	// DefaultLostWorkerGrace; negative turns the check off.
	LostWorkerGrace time.Duration
	// OnRunCreated, when set, is called for every run CreateRun created
	// (not for one that existed): scheduled, manual, API or backfill
	// (the binary counts them in dagworker_runs_created_total).
	OnRunCreated func(dagID string, runType runstore.RunType)
	// TracerProvider records a span per run creation and per finished run
	// (see Engine.CreateRun). Default: a no-op provider. Give the run span
	// the ID its tries name as their parent with a provider built with
	// tracing.IDGenerator.
	TracerProvider trace.TracerProvider
}

// Defaults of Config.
const (
	DefaultLostTaskGrace = time.Minute
	DefaultSweepChecks   = 1000
	// MinLostWorkerGrace is the least LostWorkerGrace: asynq's heartbeat
	// period plus a second.
	MinLostWorkerGrace     = 6 * time.Second
	DefaultLostWorkerGrace = 15 * time.Second
)

// WithDefaults returns c with unset fields filled.
func (c Config) WithDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Retention == 0 {
		c.Retention = 24 * time.Hour
	}
	if c.MaxRedeliveries == 0 {
		c.MaxRedeliveries = 3
	}
	if c.DefaultTimeout == 0 {
		c.DefaultTimeout = 24 * time.Hour
	}
	if c.DefaultQueue == "" {
		c.DefaultQueue = "default"
	}
	if c.EnqueueParallelism == 0 {
		c.EnqueueParallelism = 16
	}
	if c.LostTaskGrace == 0 {
		c.LostTaskGrace = DefaultLostTaskGrace
	}
	if c.SweepChecks == 0 {
		c.SweepChecks = DefaultSweepChecks
	}
	if c.LostWorkerGrace == 0 {
		c.LostWorkerGrace = DefaultLostWorkerGrace
	}
	c.TracerProvider = tracing.Provider(c.TracerProvider)
	return c
}

func (c Config) validate() error {
	switch {
	case c.Store == nil:
		return fmt.Errorf("%w: Store is nil", ErrConfig)
	case c.Client == nil:
		return fmt.Errorf("%w: Client is nil", ErrConfig)
	case c.Retention < 0, c.DefaultTimeout < time.Second, c.MaxRedeliveries < 0, c.EnqueueParallelism < 1:
		return fmt.Errorf("%w: negative Retention or MaxRedeliveries, DefaultTimeout under 1s or EnqueueParallelism under 1", ErrConfig)
	case c.LostTaskGrace < 0, c.SweepChecks < 0:
		return fmt.Errorf("%w: negative LostTaskGrace or SweepChecks", ErrConfig)
	case c.LostWorkerGrace > 0 && c.LostWorkerGrace < MinLostWorkerGrace:
		return fmt.Errorf("%w: LostWorkerGrace %s under %s (asynq's heartbeat period and a second)", ErrConfig, c.LostWorkerGrace, MinLostWorkerGrace)
	}
	return nil
}

// Engine creates runs and advances them. It is safe for concurrent use.
type Engine struct {
	cfg   Config
	store *runstore.Store
	log   *slog.Logger
	now   func() time.Time
	// unheld remembers when a sweep first saw an active asynq task that no
	// live asynq server holds (TaskID → time), for LostWorkerGrace.
	unheld unheldTasks
	// tracer is the TracerProvider's; traced is false for a no-op provider
	// (no run span is looked for when a run ends).
	tracer trace.Tracer
	traced bool
}

// New returns an Engine.
func New(cfg Config) (*Engine, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, store: cfg.Store, log: cfg.Logger, now: cfg.Clock,
		tracer: tracing.Tracer(cfg.TracerProvider), traced: tracing.Enabled(cfg.TracerProvider)}, nil
}

// Store returns the run store.
func (e *Engine) Store() *runstore.Store { return e.store }

// RunOptions describes a run to create (see runstore.NewRun).
type RunOptions struct {
	// RunID "" derives the id from RunType and LogicalDate.
	RunID   string
	RunType runstore.RunType
	// LogicalDate may be zero for a manual run.
	LogicalDate       time.Time
	DataIntervalStart time.Time
	DataIntervalEnd   time.Time
	RunAfter          time.Time
	// Conf is the trigger conf (a JSON object or nil); it overrides params.
	Conf        json.RawMessage
	Note        string
	TriggeredBy string
	// TriggeringUser is who triggered a manual run ("" for none).
	TriggeringUser string
}

// CreateRun creates a run of d (idempotently: an existing run id returns the
// existing run with Created false) and enqueues its ready tasks.
//
// With tracing on it records a "dagrun.create" span (a child of ctx's span,
// e.g. the API trigger's) and the run's trace context: the run's span is a
// child of the create span with an ID chosen now; every try's span is its
// child, and the run span itself is emitted when the run ends (see
// runstore.Store.ClaimRunSpan), starting at the run's start.
func (e *Engine) CreateRun(ctx context.Context, d *dag.DAG, o RunOptions) (_ *runstore.CreateResult, err error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil DAG", runstore.ErrInvalid)
	}
	span := trace.Span(noop.Span{})
	if e.traced {
		ctx, span = e.tracer.Start(ctx, "dagrun.create", trace.WithSpanKind(trace.SpanKindInternal),
			trace.WithAttributes(attribute.String("dag_id", d.ID), attribute.String("run_type", string(o.RunType))))
		defer func() { endSpan(span, err) }()
	}
	nr := runstore.NewRun{
		DAG: NewSnapshot(d, e.cfg.OperatorQueues, e.cfg.DefaultQueue), RunID: o.RunID, RunType: o.RunType,
		LogicalDate: o.LogicalDate, DataIntervalStart: o.DataIntervalStart, DataIntervalEnd: o.DataIntervalEnd,
		RunAfter: o.RunAfter, Conf: o.Conf, Note: o.Note, TriggeredBy: o.TriggeredBy,
		TriggeringUser: o.TriggeringUser,
	}
	if sc := span.SpanContext(); e.traced && sc.IsValid() {
		nr.TraceParentOf = tracing.Format(sc)
		nr.TraceParent = tracing.Format(sc.WithSpanID(tracing.NewSpanID()).WithRemote(false))
	}
	res, err := e.store.CreateRun(ctx, nr)
	if err != nil {
		return nil, err
	}
	if e.traced {
		span.SetAttributes(attribute.String("run_id", res.Run.RunID), attribute.Bool("created", res.Created))
	}
	if res.Created && e.cfg.OnRunCreated != nil {
		e.cfg.OnRunCreated(d.ID, res.Run.RunType)
	}
	if err := e.Enqueue(ctx, res.Dispatch); err != nil {
		return res, err
	}
	return res, nil
}

// Enqueue hands dispatches to asynq: a try as TaskType with its TaskID, a
// retry timer as RetryTaskType processed at its RetryAt. A TaskID conflict
// (the task is already there) counts as success.
func (e *Engine) Enqueue(ctx context.Context, ds []runstore.Dispatch) error {
	switch len(ds) {
	case 0:
		return nil
	case 1:
		return e.enqueue(ctx, ds[0])
	}
	return e.forEach(len(ds), func(i int) error { return e.enqueue(ctx, ds[i]) })
}

// forEach calls f(0..n-1) on up to EnqueueParallelism goroutines and joins
// the errors. A few long-lived goroutines share the indexes: one goroutine
// per call would pay a goroutine start and a stack growth (go-redis calls
// are deep) for each of a wide DAG's thousands of tasks.
func (e *Engine) forEach(n int, f func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next atomic.Int64
	)
	for range min(e.cfg.EnqueueParallelism, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (e *Engine) enqueue(ctx context.Context, d runstore.Dispatch) error {
	p := Payload{DagID: d.DagID, RunID: d.RunID, TaskID: d.TaskID, Try: d.Try, Inc: d.Inc, Pool: d.Pool, PoolSlots: d.PoolSlots,
		Static: d.Static}
	if !d.RunStart.IsZero() {
		p.RunStart = d.RunStart.UnixMilli()
	}
	body := p.Encode()
	opts := []asynq.Option{asynq.Queue(d.Queue), asynq.Retention(e.cfg.Retention)}
	var headers map[string]string
	if d.TraceParent != "" {
		headers = map[string]string{tracing.Header: d.TraceParent}
	}
	var t *asynq.Task
	if d.RetryAt.IsZero() {
		timeout := e.cfg.DefaultTimeout
		if d.ExecutionTimeout > 0 {
			// asynq's Timeout is whole seconds; ours is enforced in the
			// worker, this only bounds a stuck handler.
			timeout = d.ExecutionTimeout.Truncate(time.Second) + 30*time.Second
		}
		t = asynq.NewTaskWithHeaders(TaskType, body, headers)
		opts = append(opts, asynq.TaskID(TaskID(p)), asynq.MaxRetry(e.cfg.MaxRedeliveries), asynq.Timeout(timeout))
	} else {
		t = asynq.NewTaskWithHeaders(RetryTaskType, body, headers)
		opts = append(opts, asynq.TaskID(RetryTaskID(p)), asynq.MaxRetry(e.cfg.MaxRedeliveries),
			asynq.ProcessIn(d.RetryAt.Sub(e.now())))
	}
	_, err := e.cfg.Client.EnqueueContext(ctx, t, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", TaskID(p), err)
	}
	return nil
}
