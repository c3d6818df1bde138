package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/tasks"
)

// runDB runs "db clean", Airflow's "airflow db clean" for dagworker's run
// state: it deletes old finished runs and, unless --keep-outputs, their
// outputs and logs in the data lake.
func runDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := "usage: dagworker db clean --older-than 30d [--dag ID] [--keep-last N] [--dry-run] [--keep-outputs]"
	if len(args) == 0 || args[0] != "clean" {
		fmt.Fprintln(stderr, usage)
		return exitError(2)
	}
	fs := newFlagSet("db clean", stderr)
	redisURL := redisURLFlag(fs, redisRemote)
	prefix := keyPrefixFlag(fs)
	blobURL := blobURLFlag(fs, tasks.DefaultLakeURL, "the outputs and logs of deleted runs are deleted from it")
	older := &age{}
	fs.Var(older, "older-than", "delete finished runs that ended longer ago than this, e.g. 30d or 36h (required)")
	dagID := fs.String("dag", "", "only this DAG's runs (default: every DAG)")
	keepLast := fs.Int("keep-last", 0, "keep each DAG's newest N runs whatever their age")
	dryRun := fs.Bool("dry-run", false, "list what would be deleted and delete nothing")
	keepOutputs := fs.Bool("keep-outputs", false, "leave the deleted runs' outputs and logs in the data lake")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return exitError(2)
	}
	if len(pos) != 0 || older.d <= 0 {
		fmt.Fprintln(stderr, usage)
		return exitError(2)
	}
	if *redisURL == "" {
		return fmt.Errorf("db clean: --redis-url (or DAGWORKER_REDIS_URL) is required")
	}
	if *keepLast < 0 {
		return fmt.Errorf("db clean: --keep-last %d is negative", *keepLast)
	}
	log := newLogger(fs, stderr, slog.LevelWarn)
	c, err := connect(*redisURL, *prefix, log)
	if err != nil {
		return err
	}
	defer c.Close()
	o := engine.CleanOptions{OlderThan: time.Now().Add(-older.d), KeepLast: *keepLast, DryRun: *dryRun}
	if *dagID != "" {
		o.DagIDs = []string{*dagID}
	}
	if !*keepOutputs && !*dryRun {
		lake, err := tasks.OpenLake(ctx, *blobURL)
		if err != nil {
			return err
		}
		defer lake.Close()
		o.Lake = lake
	}
	rep, err := c.eng.CleanRuns(ctx, o)
	verb := "deleted"
	if *dryRun {
		verb = "would delete"
	}
	for _, r := range rep.Runs {
		fmt.Fprintf(stdout, "%s %s/%s\n", verb, r.DagID, r.RunID)
	}
	switch {
	case *dryRun:
		fmt.Fprintf(stdout, "%d run(s) would be deleted (dry run: nothing was)\n", len(rep.Runs))
	case o.Lake != nil:
		fmt.Fprintf(stdout, "%d run(s) deleted, %d data lake object(s)\n", len(rep.Runs), rep.Objects)
	default:
		fmt.Fprintf(stdout, "%d run(s) deleted (outputs and logs kept)\n", len(rep.Runs))
	}
	return err
}
