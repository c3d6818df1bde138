package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dagworker/dagworker/internal/api"
	"github.com/dagworker/dagworker/internal/apiclient"
	"github.com/dagworker/dagworker/internal/apiengine"
	"github.com/dagworker/dagworker/internal/dag"
)

// runBackfill backfills a DAG's intervals between --from and --to through
// the server's API (POST /api/v2/backfills) or, with only --redis-url, in
// its Redis; --dry-run prints the logical dates it would run.
func runBackfill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backfill <dag_id>", stderr)
	cf := addCommonFlags(fs, "without --api-url, the Redis of a running dagworker")
	rf := addRemoteFlags(fs)
	from := fs.String("from", "", "first logical date (YYYY-MM-DD or RFC 3339), inclusive")
	to := fs.String("to", "", "last logical date (YYYY-MM-DD or RFC 3339), inclusive")
	dry := fs.Bool("dry-run", false, "print the logical dates the backfill would run, run nothing")
	reprocess := fs.String("reprocess", "none", "existing runs: none (skip), failed (rerun failed ones) or completed (rerun finished ones)")
	maxActive := fs.Int("max-active-runs", 10, "runs of the backfill active at once")
	confArg := fs.String("conf", "", "the runs' conf (a JSON object; overrides params)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 || *from == "" || *to == "" {
		fmt.Fprintln(stderr, "usage: dagworker backfill <dag_id> --from DATE --to DATE [--dry-run] [--reprocess none|failed|completed] [--max-active-runs N] [--api-url URL | --redis-url URL]")
		return exitError(2)
	}
	fromT, err := parseDay(*from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	toT, err := parseDay(*to)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	var conf map[string]any
	if *confArg != "" {
		if err := json.Unmarshal([]byte(*confArg), &conf); err != nil {
			return fmt.Errorf("--conf: not a JSON object: %w", err)
		}
	}
	body := apiclient.BackfillBody{DagID: pos[0], FromDate: fromT, ToDate: toT, DagRunConf: conf, ReprocessBehavior: *reprocess, MaxActiveRuns: *maxActive}
	client, err := chooseRemote("backfill", rf, *cf.redisURL, stderr)
	if err != nil {
		return err
	}
	if client != nil {
		if *dry {
			dates, err := client.BackfillDryRun(ctx, body)
			if err != nil {
				return err
			}
			printBackfillDates(stdout, pos[0], dates)
			return nil
		}
		b, err := client.CreateBackfill(ctx, body)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backfill %d of %s: %s to %s, max %d active runs (GET /api/v2/backfills/%d)\n", b.ID, b.DagID,
			b.FromDate.Format(time.RFC3339), b.ToDate.Format(time.RFC3339), b.MaxActiveRuns, b.ID)
		return nil
	}
	log := newLogger(fs, stderr, slog.LevelWarn)
	folder, err := loadDAG(ctx, *cf.dags, pos[0], log)
	if err != nil {
		return err
	}
	if d, ok := folder.DAG(pos[0]); !ok || d.Schedule == nil {
		return fmt.Errorf("backfill %s: the DAG has no schedule, so no intervals to backfill", pos[0])
	}
	c, err := connect(*cf.redisURL, *cf.prefix, log)
	if err != nil {
		return err
	}
	defer c.Close()
	be := &apiengine.EngineBackend{Engine: c.eng, Folder: func() []*dag.DAG { return folder.DAGs() }}
	req := api.BackfillRequest{DagID: pos[0], From: fromT, To: toT, Conf: conf, Reprocess: *reprocess, MaxActive: *maxActive, CreatedBy: "cli"}
	if *dry {
		dates, err := be.PlanBackfill(ctx, req)
		if err != nil {
			return err
		}
		printBackfillDates(stdout, pos[0], dates)
		return nil
	}
	b, err := be.CreateBackfill(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backfill %d of %s: %d runs, max %d active\n", b.ID, b.DagID, len(b.RunIDs), b.MaxActiveRuns)
	return nil
}

func printBackfillDates(w io.Writer, dagID string, dates []time.Time) {
	fmt.Fprintf(w, "backfill of %s would run %d logical dates:\n", dagID, len(dates))
	for _, d := range dates {
		fmt.Fprintln(w, d.UTC().Format(time.RFC3339))
	}
}

// parseDay reads YYYY-MM-DD (midnight UTC) or RFC 3339.
func parseDay(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD or RFC 3339", s)
	}
	return t, nil
}
