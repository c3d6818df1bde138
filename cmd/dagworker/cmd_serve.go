package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/dagworker/dagworker/internal/api"
	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/dagworker/dagworker/internal/embedredis"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// roleFlags are the flags of the long-running roles (serve, coordinator).
type roleFlags struct {
	commonFlags
	addr      *string
	leaseTTL  *time.Duration
	recovery  recoveryFlags
	retention retentionFlags
	api       apiFlags
	// operatorQueues routes operators to queues in the runs this role creates.
	operatorQueues *string
}

// addRoleFlags adds the common flags (empty: what an empty --redis-url
// means), --addr, --lease-ttl and the API's flags.
func addRoleFlags(fs *flag.FlagSet, empty string) roleFlags {
	return roleFlags{
		commonFlags:    addCommonFlags(fs, empty),
		addr:           fs.String("addr", ":8080", "HTTP listen address (health endpoints and the API)"),
		leaseTTL:       fs.Duration("lease-ttl", 15*time.Second, "coordinator leader lease TTL: a dead leader is replaced within it"),
		recovery:       addRecoveryFlags(fs),
		retention:      addRetentionFlags(fs),
		api:            addAPIFlags(fs),
		operatorQueues: fs.String("operator-queues", "", "queue of each operator's tasks in the runs this process creates (scheduled and API triggers): operator=queue,... (a task's own queue wins; others go to default)"),
	}
}

// runServe runs the coordinator, a worker and the HTTP server in one process.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	rf := addRoleFlags(fs, redisEmbedded)
	blobURL := blobURLFlag(fs, tasks.DefaultLakeURL, "")
	tf := addTaskFlags(fs)
	concurrency, dequeuers := slotFlags(fs)
	queues := queuesFlag(fs, "the queues of loaded DAGs are added")
	allowEmbedded := fs.Bool("allow-embedded", false, "inside a container, run on the embedded, non-durable Redis when --redis-url is empty (refused by default: a restart loses every run)")
	shutdownTimeout := shutdownTimeoutFlag(fs)
	maxSeries := maxSeriesFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	if *rf.redisURL == "" && !*allowEmbedded {
		if where := containerized(os.Getenv); where != "" {
			return fmt.Errorf("serve: no --redis-url (DAGWORKER_REDIS_URL) inside a container (%s): the embedded Redis keeps nothing across a restart; give a Redis URL, or --allow-embedded to try it out", where)
		}
	}
	qs, err := parseQueues(*queues)
	if err != nil {
		return err
	}
	log := newLogger(fs, stderr, slog.LevelInfo)
	url, redisNote := *rf.redisURL, ""
	if url == "" {
		// The banner says where the embedded Redis is, instead of a WARN line.
		srv, err := embedredis.Start(ctx, nil)
		if err != nil {
			return err
		}
		defer srv.Close()
		url, redisNote = srv.URL, fmt.Sprintf("%s (embedded %s; NOT durable: its state is lost on exit; give --redis-url to keep it)", srv.URL, srv.Kind)
	}
	tp, stopTracing, err := startTracing(ctx, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	r, err := newRole(ctx, rf, url, log, tp)
	if err != nil {
		return err
	}
	r.connections = *tf.connections
	defer r.close()
	r.out, r.redisNote = stdout, redisNote
	for _, d := range r.folder.DAGs() {
		for _, t := range d.Tasks {
			if _, ok := qs[t.Queue]; t.Queue != "" && !ok {
				qs[t.Queue] = 1
			}
		}
	}
	for _, q := range r.operatorQueues {
		if _, ok := qs[q]; !ok {
			qs[q] = 1
		}
	}
	lake, err := tasks.OpenLake(ctx, *blobURL)
	if err != nil {
		return err
	}
	defer lake.Close()
	r.setLake(lake)
	w, closeTasks, err := newWorker(worker.Config{Redis: r.conn.opt, Concurrency: *concurrency, Dequeuers: *dequeuers, Queues: qs, Lake: lake,
		Logger: log, KeyPrefix: *rf.prefix, Metrics: r.metrics, ShutdownTimeout: *shutdownTimeout,
		MetricsMaxSeries: *maxSeries, TracerProvider: tp}, tf)
	if err != nil {
		return err
	}
	defer closeTasks()
	return r.run(ctx, w.Run)
}

// role is a running coordinator with its connection and HTTP server.
type role struct {
	conn *conn
	// operatorQueues is --operator-queues: serve's worker serves these queues too.
	operatorQueues map[string]string
	folder         *coordinator.Folder
	coord          *coordinator.Coordinator
	addr           string
	prefix         string
	api            apiFlags
	// lake holds the task logs the API serves (nil: none).
	lake *tasks.Lake
	// connections is the --connections file the API lists beside the
	// DAGWORKER_CONN_* variables ("" for the variables only).
	connections string
	log         *slog.Logger
	// tp records the engine's and the API's spans (a no-op provider when
	// tracing is off).
	tp trace.TracerProvider

	// metrics is served at /metrics.
	metrics *prometheus.Registry

	// out, when set, gets the start banner: the URLs of the UI and the
	// API, and redisNote (where the embedded Redis is) when not empty.
	out       io.Writer
	redisNote string

	// closers run at close, before the connection closes.
	closers []func() error

	// cleaner is the retention's cleaner (it deletes from the lake too).
	cleaner *lakeCleaner
}

// setLake sets the lake the API reads logs from and the retention cleans.
func (r *role) setLake(l *tasks.Lake) {
	r.lake = l
	r.cleaner.setLake(l)
}

// lakeCleaner is the engine's CleanRuns with the role's lake, set once the
// lake is open.
type lakeCleaner struct {
	eng  *engine.Engine
	mu   sync.Mutex
	lake *tasks.Lake
}

func (c *lakeCleaner) setLake(l *tasks.Lake) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lake = l
}

// CleanRuns implements coordinator.Cleaner.
func (c *lakeCleaner) CleanRuns(ctx context.Context, o engine.CleanOptions) (engine.CleanReport, error) {
	c.mu.Lock()
	o.Lake = c.lake
	c.mu.Unlock()
	return c.eng.CleanRuns(ctx, o)
}

func newRole(ctx context.Context, rf roleFlags, url string, log *slog.Logger, tp trace.TracerProvider) (*role, error) {
	opq, err := parseOperatorQueues(*rf.operatorQueues)
	if err != nil {
		return nil, err
	}
	created := newRunsCreated()
	c, err := connect(url, *rf.prefix, log, rf.recovery.engineConfig, func(ec *engine.Config) {
		ec.OnRunCreated = func(dagID string, t runstore.RunType) { created.WithLabelValues(dagID, string(t)).Inc() }
		ec.OperatorQueues, ec.TracerProvider = opq, tp
	})
	if err != nil {
		return nil, err
	}
	folder, err := newFolder(*rf.dags, log)
	if err == nil {
		_, err = folder.Load(ctx)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	for _, ie := range folder.ImportErrors() {
		log.Warn("dag import error", slog.String("file", ie.File), slog.Any("error", ie.Err))
	}
	reg, err := newMetricsRegistry(c.rdb, nil, log)
	if err == nil {
		err = errors.Join(reg.Register(created), reg.Register(newLastSuccessCollector(c.store, folder, log)))
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	cleaner := &lakeCleaner{eng: c.eng}
	coord, err := coordinator.New(coordinator.Config{Client: c.rdb, KeyPrefix: *rf.prefix, Folder: folder,
		Runs: c.eng, Reconciler: c.eng, Logger: log, LeaseTTL: *rf.leaseTTL, Metrics: reg,
		ReconcileEvery: *rf.recovery.reconcileEvery,
		Retention:      rf.retention.age.d, RetentionKeepLast: *rf.retention.keepLast, Cleaner: cleaner})
	if err != nil {
		c.Close()
		return nil, err
	}
	return &role{conn: c, operatorQueues: opq, folder: folder, coord: coord, addr: *rf.addr, prefix: *rf.prefix, api: rf.api, log: log,
		metrics: reg, cleaner: cleaner, tp: tp}, nil
}

func (r *role) close() {
	for _, c := range r.closers {
		if err := c(); err != nil {
			r.log.Warn("close", slog.Any("error", err))
		}
	}
	r.conn.Close()
}

// run runs the coordinator, the HTTP server and extra (the worker, in serve)
// until ctx ends or one of them fails; SIGHUP reloads the DAG folder.
func (r *role) run(ctx context.Context, extra ...func(context.Context) error) error {
	handler, err := newHTTPHandler(r)
	if err != nil {
		return err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", r.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", r.addr, err)
	}
	r.log.Info("listening", slog.String("addr", ln.Addr().String()))
	if r.out != nil {
		r.banner(r.out, ln.Addr())
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				r.log.Info("SIGHUP: reloading the dag folder")
				r.coord.Reload()
			}
		}
	}()
	parts := append([]func(context.Context) error{
		r.coord.Run,
		func(ctx context.Context) error { return serveHTTP(ctx, ln, handler, *r.api.maxWait, r.log) },
	}, extra...)
	var wg sync.WaitGroup
	errs := make([]error, len(parts))
	for i, p := range parts {
		wg.Go(func() {
			errs[i] = p(ctx)
			cancel() // one part ending ends them all
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// banner prints, once at start, where the server answers.
func (r *role) banner(w io.Writer, addr net.Addr) {
	base := "http://" + displayAddr(addr)
	fmt.Fprintf(w, "dagworker is up:\n  UI:    %s/\n", base)
	if r.api.apiDisabled() {
		fmt.Fprintln(w, "  API:   disabled (set --api-tokens, --api-users or --api-open)")
	} else {
		fmt.Fprintf(w, "  API:   %s/api/v2/  (document: %s/api/v2/openapi.json; CLI: --api-url %s)\n", base, base, base)
	}
	if r.redisNote != "" {
		fmt.Fprintf(w, "  Redis: %s\n", r.redisNote)
	}
}

// displayAddr is a listen address as a client dials it: an unspecified
// host (":8080", "[::]:8080") becomes 127.0.0.1.
func displayAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// newHTTPHandler is the one place the HTTP server's routes are built: the
// health endpoints here; the Airflow API and the web UI (api.go) mount on
// the same mux unless no credentials are configured and it is not open.
func newHTTPHandler(r *role) (http.Handler, error) {
	mux := http.NewServeMux()
	if r.api.apiDisabled() {
		r.log.Warn("HTTP API and web UI disabled: set --api-tokens, --api-users or --api-open to serve them")
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "dagworker: the web UI and the API are off; start the server with --api-users, --api-tokens or --api-open\n")
		})
	} else {
		h, web, err := newAPI(r, r.api)
		if err != nil {
			return nil, err
		}
		mux.Handle("/api/", h)
		mux.Handle("/auth/", h)
		mux.Handle("/", web)
		r.closers = append(r.closers, web.Close)
	}
	mux.Handle("GET /metrics", metricsHandler(r.metrics, r.log)) // unauthenticated, like /healthz
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		body := map[string]any{
			"leader":        r.coord.IsLeader(),
			"dags":          len(r.folder.DAGs()),
			"import_errors": len(r.folder.ImportErrors()),
			"redis":         "ok",
		}
		code := http.StatusOK
		if err := r.conn.rdb.Ping(ctx).Err(); err != nil {
			body["redis"] = err.Error()
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	})
	return mux, nil
}

// serveHTTP serves h on ln until ctx ends, then shuts down within 10s. The
// timeouts are the API's (api.NewHTTPServer): writes may last maxWait.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, maxWait time.Duration, log *slog.Logger) error {
	srv := api.NewHTTPServer("", h, maxWait)
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-done
	return err
}
