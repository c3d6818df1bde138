package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dagworker/dagworker/internal/clock"
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/lease"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// RunCreator creates DAG runs idempotently and enqueues their ready tasks
// (engine.Engine implements it): creating a run id that exists returns it
// with Created false. When the run was created but the enqueue failed it
// returns both the result and the error.
type RunCreator interface {
	CreateRun(ctx context.Context, d *dag.DAG, o engine.RunOptions) (*runstore.CreateResult, error)
}

// Reconciler repairs the runs of one DAG after a crash (engine.Engine
// implements it); it is safe to run at any time on any replica.
type Reconciler interface {
	// ReconcileDAG repairs the DAG's running runs and reports what it
	// repaired.
	ReconcileDAG(ctx context.Context, dagID string) (engine.Repairs, error)
	// DAGIDs lists the DAGs that have runs in the store, so the sweep also
	// covers runs of DAGs whose file was removed.
	DAGIDs(ctx context.Context) ([]string, error)
}

// Cleaner deletes old finished runs (engine.Engine implements it; the
// binary adds the data lake).
type Cleaner interface {
	CleanRuns(ctx context.Context, o engine.CleanOptions) (engine.CleanReport, error)
}

// Config configures a Coordinator. Zero values take the documented defaults.
type Config struct {
	// Client is the Redis client for the lease, the paused flags and the
	// schedule bookkeeping. Required.
	Client redis.UniversalClient
	// KeyPrefix prefixes the coordinator's keys. Default "dagworker".
	KeyPrefix string
	// Folder is the DAG folder. Required.
	Folder *Folder
	// Runs creates the runs and enqueues their roots. Required.
	Runs RunCreator
	// Reconciler is run by every replica every ReconcileEvery, for every
	// loaded DAG and every DAG with runs in the store (a removed DAG file's
	// runs keep their snapshot and are still repaired); nil disables the
	// sweep.
	Reconciler Reconciler
	// Clock drives scheduling: when runs are due and how long the leader
	// sleeps between ticks. Default the wall clock. It is not passed to the
	// lease, whose timers keep the wall clock.
	Clock clock.Clock
	// Logger receives scheduling events and errors. Default discards.
	Logger *slog.Logger
	// LeaseTTL is the leader lease's TTL: a dead leader is replaced within
	// it. Default 15s. The lease renews every LeaseTTL/3.
	LeaseTTL time.Duration
	// MaxSleep caps the leader's sleep between ticks (so paused flags and
	// reloaded DAGs are seen). Default 10s.
	MaxSleep time.Duration
	// ReconcileEvery is the period of the reconcile sweep. Default 30s.
	ReconcileEvery time.Duration
	// ReloadEvery is the period of the DAG folder poll (size and mtime of
	// each file). Default 5s; negative disables polling (Reload still works).
	ReloadEvery time.Duration
	// MaxPerTick bounds the runs one DAG gets per tick when catching up.
	// Default DefaultMaxPerTick (32).
	MaxPerTick int
	// Metrics receives the coordinator's metrics (runs created, leader,
	// reconcile sweeps, DAG import errors). Default nil: none.
	Metrics prometheus.Registerer
	// Retention, when positive (and Cleaner is set), makes the leader
	// delete finished runs that ended longer ago than this, every
	// RetentionEvery, at most RetentionBatch runs at a time, keeping each
	// DAG's newest RetentionKeepLast runs whatever their age. Running and
	// queued runs are never touched. Default 0: keep everything.
	Retention         time.Duration
	RetentionKeepLast int
	Cleaner           Cleaner
	// RetentionBatch bounds the runs deleted per RetentionEvery. Default
	// DefaultRetentionBatch.
	RetentionBatch int
	// RetentionEvery is the period of the retention clean. Default 1m.
	RetentionEvery time.Duration
}

// DefaultRetentionBatch is Config.RetentionBatch's default.
const DefaultRetentionBatch = 500

func (c Config) withDefaults() Config {
	if c.KeyPrefix == "" {
		c.KeyPrefix = "dagworker"
	}
	if c.Clock == nil {
		c.Clock = clock.Wall{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = 15 * time.Second
	}
	if c.MaxSleep == 0 {
		c.MaxSleep = 10 * time.Second
	}
	if c.ReconcileEvery == 0 {
		c.ReconcileEvery = 30 * time.Second
	}
	if c.ReloadEvery == 0 {
		c.ReloadEvery = 5 * time.Second
	}
	if c.MaxPerTick == 0 {
		c.MaxPerTick = DefaultMaxPerTick
	}
	if c.RetentionBatch == 0 {
		c.RetentionBatch = DefaultRetentionBatch
	}
	if c.RetentionEvery == 0 {
		c.RetentionEvery = time.Minute
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Client == nil:
		return fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	case c.Folder == nil:
		return fmt.Errorf("%w: Folder is required", ErrInvalidConfig)
	case c.Runs == nil:
		return fmt.Errorf("%w: Runs is required", ErrInvalidConfig)
	case c.MaxSleep < 0 || c.ReconcileEvery < 0 || c.MaxPerTick < 0:
		return fmt.Errorf("%w: negative MaxSleep, ReconcileEvery or MaxPerTick", ErrInvalidConfig)
	case c.Retention < 0 || c.RetentionKeepLast < 0 || c.RetentionBatch < 0 || c.RetentionEvery < 0:
		return fmt.Errorf("%w: negative Retention, RetentionKeepLast, RetentionBatch or RetentionEvery", ErrInvalidConfig)
	}
	return nil
}

// Coordinator schedules DAG runs. Every replica runs the reconcile sweep and
// watches the DAG folder; the one holding the lease also creates the
// scheduled runs.
type Coordinator struct {
	cfg    Config
	log    *slog.Logger
	lease  *lease.Lease
	pauses *PauseFlags
	// leaseKey and lastKey share a hash tag so the fenced bookkeeping
	// script is valid on Redis Cluster.
	leaseKey, lastKey string
	reload            chan struct{}
	met               *coordMetrics

	mu     sync.Mutex
	leader bool
}

// New returns a Coordinator; call Run to start it.
func New(cfg Config) (*Coordinator, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	tag := "{" + cfg.KeyPrefix + ":coordinator}"
	c := &Coordinator{
		cfg: cfg, log: cfg.Logger, pauses: NewPauseFlags(cfg.Client, cfg.KeyPrefix),
		leaseKey: tag + ":lease", lastKey: tag + ":last", reload: make(chan struct{}, 1),
	}
	l, err := lease.New(cfg.Client, lease.Config{Key: c.leaseKey, TTL: cfg.LeaseTTL, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	c.lease = l
	if c.met, err = newCoordMetrics(cfg.Metrics, cfg.Folder); err != nil {
		return nil, err
	}
	return c, nil
}

// Pauses returns the paused flags the coordinator reads.
func (c *Coordinator) Pauses() *PauseFlags { return c.pauses }

// Folder returns the DAG folder.
func (c *Coordinator) Folder() *Folder { return c.cfg.Folder }

// IsLeader reports whether this replica holds the scheduling lease now.
func (c *Coordinator) IsLeader() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leader
}

// Reload asks Run to rescan the DAG folder now (main wires it to SIGHUP). It
// does not block.
func (c *Coordinator) Reload() {
	select {
	case c.reload <- struct{}{}:
	default:
	}
}

// Run loads the DAG folder, then until ctx ends: contends for the lease and,
// while leader, ticks; runs the reconcile sweep; reloads the DAG folder on
// change. It returns nil when ctx ends, or the error of the first folder
// load.
func (c *Coordinator) Run(ctx context.Context) error {
	if _, err := c.cfg.Folder.Load(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.watchFolder(ctx) })
	if c.cfg.Reconciler != nil {
		wg.Go(func() { c.reconcileLoop(ctx) })
	}
	err := c.lease.Run(ctx, c.lead)
	wg.Wait()
	return err
}

func (c *Coordinator) watchFolder(ctx context.Context) {
	var poll <-chan time.Time
	for {
		if c.cfg.ReloadEvery > 0 {
			poll = time.After(c.cfg.ReloadEvery)
		}
		select {
		case <-ctx.Done():
			return
		case <-poll:
		case <-c.reload:
		}
		if _, err := c.cfg.Folder.Load(ctx); err != nil && ctx.Err() == nil {
			c.log.ErrorContext(ctx, "dag folder reload failed; keeping the loaded dags", slog.Any("error", err))
		}
	}
}

// lead is the leader's loop: tick, then sleep until the next interval is due
// (capped by MaxSleep), until leadership ends.
func (c *Coordinator) lead(ctx context.Context, token int64) {
	c.setLeader(true)
	defer c.setLeader(false)
	if c.cfg.Retention > 0 && c.cfg.Cleaner != nil {
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() { c.retentionLoop(ctx) })
	}
	for {
		wake, err := c.tick(ctx, token)
		if ctx.Err() != nil {
			return
		}
		now := c.cfg.Clock.Now()
		sleep := c.cfg.MaxSleep
		if err != nil {
			c.log.ErrorContext(ctx, "scheduler tick failed", slog.Any("error", err))
		} else if !wake.IsZero() {
			sleep = min(sleep, max(wake.Sub(now), 0))
		}
		select {
		case <-ctx.Done():
			return
		case <-c.cfg.Clock.After(sleep):
		}
	}
}

// retentionLoop deletes old finished runs, one bounded batch every
// RetentionEvery, while this replica leads.
func (c *Coordinator) retentionLoop(ctx context.Context) {
	for {
		rep, err := c.cfg.Cleaner.CleanRuns(ctx, engine.CleanOptions{OlderThan: time.Now().Add(-c.cfg.Retention),
			KeepLast: c.cfg.RetentionKeepLast, Limit: c.cfg.RetentionBatch})
		switch {
		case err != nil && ctx.Err() == nil:
			c.log.ErrorContext(ctx, "retention: cleaning old runs failed", slog.Any("error", err), slog.Int("deleted", len(rep.Runs)))
		case len(rep.Runs) > 0:
			c.log.InfoContext(ctx, "retention: deleted old runs", slog.Int("runs", len(rep.Runs)), slog.Int("lake_objects", rep.Objects))
		}
		c.met.retained(len(rep.Runs))
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.cfg.RetentionEvery):
		}
	}
}

func (c *Coordinator) setLeader(v bool) {
	c.mu.Lock()
	c.leader = v
	c.mu.Unlock()
	c.met.setLeader(v)
}

// Tick creates the runs that are due now for every loaded DAG and dispatches
// their ready tasks, as the leader does at each fire time. It returns the
// earliest time a further run becomes due (zero if none). Tick is safe to
// call on several replicas at once: run creation is idempotent, so each
// interval still gets one run.
func (c *Coordinator) Tick(ctx context.Context) (time.Time, error) {
	return c.tick(ctx, 0)
}
