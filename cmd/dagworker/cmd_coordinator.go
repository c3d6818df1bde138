package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/dagworker/dagworker/tasks"
)

// runCoordinator runs the coordinator role: the cron leader election, run
// creation, the reconcile sweep and the HTTP server, without a worker.
func runCoordinator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("coordinator", stderr)
	rf := addRoleFlags(fs, redisRequired)
	blobURL := blobURLFlag(fs, "", "the API reads task logs from it; empty: no logs")
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	if *rf.redisURL == "" {
		return fmt.Errorf("coordinator: --redis-url (or DAGWORKER_REDIS_URL) is required; use 'dagworker serve' for the embedded Redis")
	}
	log := newLogger(fs, stderr, slog.LevelInfo)
	tp, stopTracing, err := startTracing(ctx, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	r, err := newRole(ctx, rf, *rf.redisURL, log, tp)
	if err != nil {
		return err
	}
	defer r.close()
	r.out = stdout
	if *blobURL != "" {
		lake, err := tasks.OpenLake(ctx, *blobURL)
		if err != nil {
			return err
		}
		defer lake.Close()
		r.setLake(lake)
	}
	return r.run(ctx)
}
