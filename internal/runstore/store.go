package runstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultXComMaxBytes caps a task's return_value.
const DefaultXComMaxBytes = 64 << 10

// Config configures a Store.
type Config struct {
	// Client is the Redis client (required).
	Client redis.UniversalClient
	// KeyPrefix prefixes every key. Default "dagworker".
	KeyPrefix string
	// Clock returns the current time. Default time.Now.
	Clock func() time.Time
	// XComMaxBytes caps a return_value. Default DefaultXComMaxBytes (64 KiB).
	XComMaxBytes int
}

// WithDefaults returns c with unset fields filled.
func (c Config) WithDefaults() Config {
	if c.KeyPrefix == "" {
		c.KeyPrefix = "dagworker"
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.XComMaxBytes == 0 {
		c.XComMaxBytes = DefaultXComMaxBytes
	}
	return c
}

func (c Config) validate() error {
	if c.Client == nil {
		return fmt.Errorf("%w: Config.Client is nil", ErrInvalid)
	}
	if c.XComMaxBytes < 0 {
		return fmt.Errorf("%w: Config.XComMaxBytes is negative", ErrInvalid)
	}
	return CheckID("dag", c.KeyPrefix)
}

// Store is the run state in Redis. It is safe for concurrent use.
type Store struct {
	rdb     redis.UniversalClient
	keys    Keys
	now     func() time.Time
	xcomMax int
	// evalOnly: the server has no functions; steps run as scripts.
	evalOnly atomic.Bool
}

// New returns a Store.
func New(cfg Config) (*Store, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Store{rdb: cfg.Client, keys: NewKeys(cfg.KeyPrefix), now: cfg.Clock, xcomMax: cfg.XComMaxBytes}, nil
}

// Keys returns the store's key builder.
func (s *Store) Keys() Keys { return s.keys }

// Client returns the Redis client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// NewRun describes a run to create.
type NewRun struct {
	// DAG is the definition; the run keeps it. Task queues must be resolved
	// ("" means "default").
	DAG *Snapshot
	// RunID: "" derives scheduled__<LogicalDate RFC 3339> for RunScheduled
	// and manual__<now RFC 3339> otherwise.
	RunID   string
	RunType RunType
	// LogicalDate may be zero (a manual run without one).
	LogicalDate       time.Time
	DataIntervalStart time.Time
	DataIntervalEnd   time.Time
	// RunAfter defaults to LogicalDate (or now).
	RunAfter time.Time
	// Conf (a JSON object or nil) overrides DAG params key by key.
	Conf        json.RawMessage
	Note        string
	TriggeredBy string
	// TriggeringUser is who triggered a manual run (Airflow's
	// triggering_user_name; "" for none).
	TriggeringUser string
	// TraceParent is the W3C traceparent of the run's span (its span ID
	// chosen now, the span emitted when the run ends): every dispatch of
	// the run carries it (Dispatch.TraceParent) so the tries' spans are its
	// children. TraceParentOf is the traceparent of the run span's parent.
	// Both "" when tracing is off (nothing is stored).
	TraceParent   string
	TraceParentOf string
}

// CreateResult is the outcome of CreateRun.
type CreateResult struct {
	Run *Run
	// Created is false when the run already existed (nothing changed).
	Created bool
	// Dispatch lists the tries to enqueue (the run's roots if it started).
	Dispatch []Dispatch
}

// RunID returns the run id CreateRun would use for nr.
func RunID(rt RunType, logical, now time.Time) string {
	if rt == RunScheduled {
		return "scheduled__" + logical.UTC().Format(time.RFC3339)
	}
	if rt == RunBackfill {
		return "backfill__" + logical.UTC().Format(time.RFC3339)
	}
	return "manual__" + now.UTC().Format(time.RFC3339Nano)
}

func notFound(err error, sentinel error, what string) error {
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("%s: %w", what, sentinel)
	}
	return fmt.Errorf("%s: %w", what, err)
}
