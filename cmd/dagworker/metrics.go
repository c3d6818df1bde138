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
