package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/dagworker/dagworker/internal/embedredis"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
)

// parseQueues reads "name[:weight],..." (weight default 1).
func parseQueues(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, weight, found := strings.Cut(part, ":")
		n := 1
		if found {
			var err error
			if n, err = strconv.Atoi(weight); err != nil || n < 1 {
				return nil, fmt.Errorf("--queues: weight of %q must be a positive integer", name)
			}
		}
		out[name] = n
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--queues: no queue given")
	}
	return out, nil
}

// parseOperatorQueues parses --operator-queues ("classify=ml,render=pdf").
func parseOperatorQueues(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		op, q, ok := strings.Cut(part, "=")
		op, q = strings.TrimSpace(op), strings.TrimSpace(q)
		if !ok || op == "" || q == "" {
			return nil, fmt.Errorf("--operator-queues: %q is not operator=queue", part)
		}
		if _, dup := out[op]; dup {
			return nil, fmt.Errorf("--operator-queues: operator %q given twice", op)
		}
		out[op] = q
	}
	return out, nil
}

// redisURLOrEmbedded returns url, or starts the embedded Redis when it is
// empty (the returned stop func closes it).
func redisURLOrEmbedded(ctx context.Context, url string, log *slog.Logger) (string, func(), error) {
	if url != "" {
		return url, func() {}, nil
	}
	srv, err := embedredis.Start(ctx, log)
	if err != nil {
		return "", nil, err
	}
	return srv.URL, srv.Close, nil
}

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("worker", stderr)
	redisURL := redisURLFlag(fs, redisRequired)
	blobURL := blobURLFlag(fs, tasks.DefaultLakeURL, "")
	tf := addTaskFlags(fs)
	concurrency, dequeuers := slotFlags(fs)
	queues := queuesFlag(fs, "")
	prefix := keyPrefixFlag(fs)
	shutdownTimeout := shutdownTimeoutFlag(fs)
	maxSeries := maxSeriesFlag(fs)
	metricsAddr := fs.String("metrics-addr", "", "serve GET /metrics (Prometheus, unauthenticated) and /healthz on this address; empty: off")
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	if *redisURL == "" {
		return fmt.Errorf("worker: --redis-url (or DAGWORKER_REDIS_URL) is required; a worker alone cannot use the embedded Redis")
	}
	qs, err := parseQueues(*queues)
	if err != nil {
		return err
	}
	log := newLogger(fs, stderr, slog.LevelInfo)
	tp, stopTracing, err := startTracing(ctx, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	lake, err := tasks.OpenLake(ctx, *blobURL)
	if err != nil {
		return err
	}
	defer lake.Close()
	ms, err := newWorkerMetrics(*metricsAddr, *redisURL, qs, log)
	if err != nil {
		return err
	}
	defer ms.close()
	w, closeTasks, err := newWorker(worker.Config{RedisURL: *redisURL, Concurrency: *concurrency, Dequeuers: *dequeuers, Queues: qs, Lake: lake,
		Logger: log, KeyPrefix: *prefix, Metrics: ms.registerer(), ShutdownTimeout: *shutdownTimeout,
		MetricsMaxSeries: *maxSeries, TracerProvider: tp}, tf)
	if err != nil {
		return err
	}
	defer closeTasks()
	return ms.run(ctx, w.Run)
}
