package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/worker"
	"github.com/dagworker/dagworker/worker/metrics"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// newMetricsRegistry returns the process's Prometheus registry: Go runtime
// and process metrics, and the depth of queues (nil: every asynq queue)
// read through rdb at scrape time. The roles add theirs
// (worker.Config.Metrics, coordinator.Config.Metrics).
func newMetricsRegistry(rdb redis.UniversalClient, queues []string, log *slog.Logger) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	qc, err := metrics.NewQueueCollector(metrics.QueueCollectorConfig{
		Inspector: asynq.NewInspectorFromRedisClient(rdb), Queues: queues, Logger: log})
	if err != nil {
		return nil, err
	}
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), qc} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return reg, nil
}

// metricsHandler serves reg at GET /metrics. Like /healthz it needs no
// authentication: it exposes counts by DAG, task type, queue and state,
// never payloads, arguments or results.
func metricsHandler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       10 * time.Second,
	})
}

// serveWorkerMetrics serves GET /metrics and GET /healthz on ln (the
// worker's --metrics-addr) until ctx ends.
func serveWorkerMetrics(ctx context.Context, ln net.Listener, reg *prometheus.Registry, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler(reg, log))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("metrics server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-done
	return err
}

// workerMetrics is the worker command's --metrics-addr server; its zero
// value (no address) serves nothing.
type workerMetrics struct {
	ln  net.Listener
	reg *prometheus.Registry
	rdb redis.UniversalClient
	log *slog.Logger
}

// newWorkerMetrics listens on addr (empty: metrics off) and builds the
// registry with the depth of the worker's queues, read through Redis at
// redisURL.
func newWorkerMetrics(addr, redisURL string, queues map[string]int, log *slog.Logger) (*workerMetrics, error) {
	if addr == "" {
		return &workerMetrics{}, nil
	}
	opt, err := worker.ParseRedisURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("--redis-url: %w", err)
	}
	rdb, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("--redis-url: unsupported Redis connection %T", opt)
	}
	names := make([]string, 0, len(queues))
	for q := range queues {
		names = append(names, q)
	}
	sort.Strings(names)
	reg, err := newMetricsRegistry(rdb, names, log)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	// bound only by the process: the listener lives as long as the worker
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("--metrics-addr: listen on %s: %w", addr, err)
	}
	log.Info("serving metrics", slog.String("addr", ln.Addr().String()))
	return &workerMetrics{ln: ln, reg: reg, rdb: rdb, log: log}, nil
}

// registerer is the registry for worker.Config.Metrics (nil when off).
func (m *workerMetrics) registerer() prometheus.Registerer {
	if m.reg == nil {
		return nil
	}
	return m.reg
}

// run runs f and, when on, the metrics server until ctx ends or either
// fails.
func (m *workerMetrics) run(ctx context.Context, f func(context.Context) error) error {
	if m.ln == nil {
		return f(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var srvErr error
	wg.Go(func() {
		srvErr = serveWorkerMetrics(ctx, m.ln, m.reg, m.log)
		cancel()
	})
	err := f(ctx)
	cancel()
	wg.Wait()
	return errors.Join(err, srvErr)
}

// close releases the Redis client of the queue collector.
func (m *workerMetrics) close() {
	if m.rdb != nil {
		_ = m.rdb.Close()
	}
}

// newRunsCreated is dagworker_runs_created_total{dag_id,run_type}: every
// run this process created (scheduled, manual, API, backfill), through
// engine.Config.OnRunCreated. Its dag ids are the loaded DAGs'.
func newRunsCreated() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dagworker", Name: "runs_created_total",
		Help: "DAG runs this process created, by DAG and run type (scheduled, manual, backfill; API triggers are manual)."},
		[]string{"dag_id", "run_type"})
}

// lastSuccessCollector is dagworker_dag_seconds_since_last_success{dag_id},
// read at scrape time for the loaded DAGs from their newest runs (what a
// nightly job alerts on). A DAG with no success among its newest
// lastSuccessWindow runs has no series.
type lastSuccessCollector struct {
	store  *runstore.Store
	folder *coordinator.Folder
	log    *slog.Logger
	desc   *prometheus.Desc
}

const lastSuccessWindow = 50

func newLastSuccessCollector(st *runstore.Store, f *coordinator.Folder, log *slog.Logger) *lastSuccessCollector {
	return &lastSuccessCollector{store: st, folder: f, log: log, desc: prometheus.NewDesc("dagworker_dag_seconds_since_last_success",
		"Seconds since the newest successful run of a loaded DAG ended (absent when none of its newest 50 runs succeeded).",
		[]string{"dag_id"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *lastSuccessCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *lastSuccessCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now()
	for _, d := range c.folder.DAGs() {
		runs, _, err := c.store.ListRuns(ctx, d.ID, runstore.ListRunsOptions{Newest: true, Limit: lastSuccessWindow})
		if err != nil {
			c.log.Warn("metrics: reading the runs of a DAG failed", slog.String("dag_id", d.ID), slog.Any("error", err))
			return
		}
		var last time.Time
		for _, r := range runs {
			if r.State == runstore.RunSuccess && r.EndDate.After(last) {
				last = r.EndDate
			}
		}
		if !last.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, now.Sub(last).Seconds(), d.ID)
		}
	}
}
