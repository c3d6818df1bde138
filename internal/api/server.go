package api

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/tracing"
	"github.com/dagworker/dagworker/tasks"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Config configures the API. DAGs, Pauses, Runs, Editor and Tasks are
// required; Runner and Lake are optional (without them the ad-hoc task and
// the outputs endpoints answer 501).
type Config struct {
	DAGs   DAGSource
	Pauses PauseStore
	Runs   RunStore
	Editor RunEditor
	Tasks  TaskStore
	Runner TaskRunner
	// TaskEditor sets and clears task instances (nil: those operations
	// answer 501).
	TaskEditor TaskEditor
	// DAGEditor deletes what the store keeps of a DAG (nil: DELETE
	// /dags/{dag_id} answers 501).
	DAGEditor DAGEditor
	// Pools keeps the pools (nil: the pool operations answer 501).
	Pools PoolStore
	// Backfills creates and steers backfills (nil: those operations answer
	// 501).
	Backfills Backfiller
	// Versions keeps the DAGs' versions (nil: GET .../dagVersions lists
	// none and runs show version 1).
	Versions DagVersionStore
	// Events keeps the event log of GET /eventLogs, written by every
	// changing operation (nil: nothing is recorded, the log is empty).
	Events EventLog
	// Lake is the data lake whose run outputs /api/dagworker/v1/outputs
	// lists and serves (nil: those endpoints answer 501).
	Lake *tasks.Lake
	// Variables keeps Airflow variables (nil: the variable operations
	// answer 501).
	Variables VariableStore
	// Connections lists the tasks' connections, read only (nil: the
	// connection operations answer 501).
	Connections ConnectionSource
	// ImportErrors lists the DAG files that do not load (nil: none).
	ImportErrors func() []ImportErrorInfo
	// Source returns the file a DAG was loaded from (nil: 404).
	Source func(ctx context.Context, dagID string) ([]byte, error)
	// TaskTypes are the ad-hoc task types the workers run. POST
	// /api/dagworker/v1/tasks answers 422 for any other type (such a task
	// would stay queued forever). Empty accepts every type.
	TaskTypes []string
	// Health reports whether the backing store is reachable (for
	// /api/v2/monitor/health). Nil means always healthy.
	Health func(ctx context.Context) error

	// Users may log in (POST /auth/token, HTTP Basic).
	Users []User
	// Tokens are static bearer tokens.
	Tokens []Token
	// JWTSecret signs the tokens of POST /auth/token (HS256). Default: 32
	// random bytes, so tokens do not survive a restart and are not shared
	// between replicas; set it to share them.
	JWTSecret []byte
	// TokenTTL is the lifetime of issued tokens. Default 24h.
	TokenTTL time.Duration
	// Open serves requests from loopback addresses without credentials, with
	// trigger scope. Default false. Credentials are still checked when sent,
	// and requests from other addresses still need them.
	Open bool

	// MaxBodyBytes bounds request bodies (413 beyond). Default 1 MiB.
	MaxBodyBytes int64
	// MaxWait bounds ?wait= on triggers and ad-hoc tasks. Default 5m.
	MaxWait time.Duration
	// PollInterval is how often a waiting request re-reads the run. Default 50ms.
	PollInterval time.Duration
	// Version is reported by GET /api/v2/version. Default "dev".
	Version string
	// Logger receives request errors. Default: discard.
	Logger *slog.Logger
	// Clock is the time source. Default time.Now.
	Clock func() time.Time
	// TracerProvider records a server span for every request that changes
	// something (POST, PATCH, PUT, DELETE: the trigger's span is the parent
	// of its run's spans), honouring an incoming W3C traceparent header.
	// Default: a no-op provider (no spans, no header read).
	TracerProvider trace.TracerProvider
}

// withDefaults returns c with every unset default filled in.
func (c Config) withDefaults() (Config, error) {
	if c.TokenTTL == 0 {
		c.TokenTTL = 24 * time.Hour
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxWait == 0 {
		c.MaxWait = 5 * time.Minute
	}
	if c.PollInterval == 0 {
		c.PollInterval = 50 * time.Millisecond
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.Logger == nil {
		c.Logger = discardLogger()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if len(c.JWTSecret) == 0 {
		c.JWTSecret = make([]byte, 32)
		if _, err := rand.Read(c.JWTSecret); err != nil {
			return c, fmt.Errorf("jwt secret: %w", err)
		}
	}
	return c, nil
}

func (c Config) validate() error {
	switch {
	case c.DAGs == nil, c.Pauses == nil, c.Runs == nil, c.Editor == nil, c.Tasks == nil:
		return fmt.Errorf("DAGs, Pauses, Runs, Editor and Tasks are required: %w", ErrConfig)
	case len(c.Users) == 0 && len(c.Tokens) == 0 && !c.Open:
		return fmt.Errorf("no users or tokens configured and not open on loopback: %w", ErrConfig)
	case c.MaxBodyBytes < 0, c.MaxWait < 0, c.PollInterval < 0, c.TokenTTL < 0:
		return fmt.Errorf("negative limit: %w", ErrConfig)
	case len(c.JWTSecret) < 16:
		return fmt.Errorf("JWTSecret shorter than 16 bytes: %w", ErrConfig)
	}
	for _, t := range c.Tokens {
		if t.Token == "" || !t.Scope.valid() {
			return fmt.Errorf("api token with empty value or scope %q: %w", t.Scope, ErrConfig)
		}
	}
	for _, u := range c.Users {
		if u.Name == "" || u.Password == "" || !u.Scope.valid() {
			return fmt.Errorf("api user %q: empty name or password, or scope %q: %w", u.Name, u.Scope, ErrConfig)
		}
	}
	return nil
}

// Server is the API's http.Handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	routes []route
	// taskTypes is cfg.TaskTypes as a set; nil accepts every type.
	taskTypes map[string]bool
	// openapi is the served OpenAPI document (JSON).
	openapi []byte
}

// New checks cfg and returns the API handler.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), taskTypes: taskTypeSet(cfg.TaskTypes)}
	s.routes = s.routeTable()
	// Airflow's GET .../{task_id}/{map_index}/<op> patterns overlap
	// .../{task_id}/logs/{try_number} and its siblings without either being
	// more specific, which ServeMux refuses; they are served by a mux of
	// their own behind one catch-all, which the literal siblings outrank.
	mapped := http.NewServeMux()
	mappedPrefix := tiPattern + "/{map_index}/"
	for _, rt := range s.routes {
		h := rt.handler
		if rt.audit {
			h = s.audited(rt.op, h)
		}
		if rt.scope != "" {
			h = s.requireAuth(rt.scope, h)
		}
		mux := s.mux
		if rt.method == http.MethodGet && strings.HasPrefix(rt.path, mappedPrefix) {
			mux = mapped
		}
		mux.Handle(rt.method+" "+rt.path, s.traced(rt, h))
	}
	mapped.HandleFunc("GET "+mappedPrefix+"{rest...}", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, httpErr(http.StatusNotFound, "Not Found"))
	})
	s.mux.Handle("GET "+mappedPrefix+"{rest...}", mapped)
	if s.openapi, err = s.openAPI(); err != nil {
		return nil, err
	}
	s.mux.HandleFunc("GET /api/v2/openapi.json", s.handleOpenAPI)
	return s, nil
}

// traced wraps the handler of a route that changes something in a server
// span when tracing is on.
func (s *Server) traced(rt route, h http.HandlerFunc) http.Handler {
	if rt.method == http.MethodGet || !tracing.Enabled(s.cfg.TracerProvider) {
		return h
	}
	name := rt.method + " " + rt.path
	return otelhttp.NewHandler(h, rt.op, otelhttp.WithTracerProvider(s.cfg.TracerProvider),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return name }))
}

// ServeHTTP serves the API. Bodies beyond MaxBodyBytes fail with 413.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > s.cfg.MaxBodyBytes {
		s.writeError(w, r, httpErr(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", s.cfg.MaxBodyBytes))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		// The mux's own 404 or 405: answer it as Airflow does, in JSON.
		cw := &statusWriter{header: http.Header{}}
		h.ServeHTTP(cw, r)
		if allow := cw.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		s.writeError(w, r, httpErr(cw.status, "%s", http.StatusText(cw.status)))
		return
	}
	s.mux.ServeHTTP(w, r) // sets the path values Handler does not
}

// statusWriter records the status and headers of the mux's error answers.
type statusWriter struct {
	header http.Header
	status int
}

func (c *statusWriter) Header() http.Header         { return c.header }
func (c *statusWriter) Write(p []byte) (int, error) { return len(p), nil }
func (c *statusWriter) WriteHeader(status int)      { c.status = status }

// NewHTTPServer returns an http.Server for h with the API's timeouts: 10s to
// read headers, 30s to read a body, writes bounded by maxWait plus 30s (so
// trigger-and-wait can answer), 2 minutes idle, 64 KiB of headers.
func NewHTTPServer(addr string, h http.Handler, maxWait time.Duration) *http.Server {
	if maxWait <= 0 {
		maxWait = 5 * time.Minute
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      maxWait + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}
