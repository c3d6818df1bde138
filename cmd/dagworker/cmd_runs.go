package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
)

// parseInterleaved parses flags that may stand before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}

// runsUsage is the usage line of runs.
const runsUsage = "usage: dagworker runs list <dag_id> [--limit N] | runs show <dag_id> <run_id> | runs logs <dag_id> <run_id> <task_id> [--try N] | runs clear <dag_id> <run_id> [--only-failed]"

// runRuns lists the runs of a DAG, shows one run's task instances, prints
// a try's log or clears a run, through the server's API (or its Redis).
func runRuns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	want := map[string]int{"list": 1, "show": 2, "logs": 3, "clear": 2}
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, runsUsage)
		return nil
	}
	if len(args) == 0 || want[args[0]] == 0 {
		fmt.Fprintln(stderr, runsUsage)
		if len(args) > 0 {
			suggest(stderr, "subcommand", args[0], slices.Sorted(maps.Keys(want)))
		}
		return exitError(2)
	}
	sub := args[0]
	fs := newFlagSet("runs "+sub, stderr)
	redisURL := redisURLFlag(fs, "without --api-url, the Redis of a running dagworker")
	prefix := keyPrefixFlag(fs)
	rf := addRemoteFlags(fs)
	limit := fs.Int("limit", 25, "runs list: show the latest N runs (0: all)")
	try := fs.Int("try", 0, "runs logs: the try to print (default: the latest)")
	onlyFailed := fs.Bool("only-failed", false, "runs clear: clear only the failed and upstream_failed task instances")
	blobURL := blobURLFlag(fs, tasks.DefaultLakeURL, "without --api-url, runs logs reads the task logs from it")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	if len(pos) != want[sub] {
		fmt.Fprintln(stderr, runsUsage)
		return exitError(2)
	}
	client, err := chooseRemote("runs "+sub, rf, *redisURL, stderr)
	if err != nil {
		return err
	}
	if client != nil {
		switch sub {
		case "list":
			return listRunsRemote(ctx, client, pos[0], *limit, stdout)
		case "logs":
			return printLogRemote(ctx, client, pos[0], pos[1], pos[2], *try, stdout)
		case "clear":
			run, err := client.ClearRun(ctx, pos[0], pos[1], *onlyFailed)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "cleared run %s of %s: %s\n", run.DagRunID, run.DagID, run.State)
			return nil
		}
		return showRunRemote(ctx, client, pos[0], pos[1], stdout, stderr)
	}
	log := newLogger(fs, stderr, slog.LevelWarn)
	c, err := connect(*redisURL, *prefix, log)
	if err != nil {
		return err
	}
	defer c.Close()
	switch sub {
	case "list":
		return listRuns(ctx, c.store, pos[0], *limit, stdout)
	case "logs":
		return printLog(ctx, c.store, *blobURL, pos[0], pos[1], pos[2], *try, stdout)
	case "clear":
		n, err := c.eng.ClearRun(ctx, pos[0], pos[1], *onlyFailed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "cleared run %s of %s: %d task instances run again\n", pos[1], pos[0], n)
		return nil
	}
	return showRun(ctx, c.store, pos[0], pos[1], stdout)
}

func listRuns(ctx context.Context, st *runstore.Store, dagID string, limit int, w io.Writer) error {
	runs, total, err := st.ListRuns(ctx, dagID, runstore.ListRunsOptions{Limit: limit, Newest: true})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN_ID\tSTATE\tTYPE\tLOGICAL_DATE\tSTARTED\tDURATION\tTASKS")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\n", r.RunID, r.State, r.RunType, fmtTime(r.LogicalDate),
			fmtTime(r.StartDate), fmtSpan(r.StartDate, r.EndDate), r.TasksDone, r.TasksTotal)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(runs) < total {
		fmt.Fprintf(w, "(%d of %d runs; --limit 0 for all)\n", len(runs), total)
	}
	return nil
}

func showRun(ctx context.Context, st *runstore.Store, dagID, runID string, w io.Writer) error {
	run, err := st.GetRun(ctx, dagID, runID)
	if err != nil {
		return err
	}
	tis, err := st.TaskInstances(ctx, dagID, runID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "dag %s run %s: %s (%s)", run.DagID, run.RunID, run.State, run.RunType)
	if run.FailureReason != "" {
		fmt.Fprintf(w, ": %s", run.FailureReason)
	}
	fmt.Fprintf(w, "\nlogical date %s, started %s, duration %s, tasks %d/%d done\n",
		fmtTime(run.LogicalDate), fmtTime(run.StartDate), fmtSpan(run.StartDate, run.EndDate), run.TasksDone, run.TasksTotal)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tTRIES\tDURATION\tHOSTNAME\tLOG\tERROR")
	for _, ti := range tis {
		var logKey, errText string
		if n := len(ti.Tries); n > 0 {
			logKey, errText = ti.Tries[n-1].LogKey, ti.Tries[n-1].Error
		}
		dur := "-"
		if ti.Duration > 0 {
			dur = ti.Duration.Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\n", ti.TaskID, stateOrNone(ti.State), ti.TryNumber, ti.MaxTries,
			dur, orDash(ti.Hostname), orDash(logKey), firstLine(errText))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if xcoms, err := st.XComs(ctx, dagID, runID); err == nil {
		printXComOutputs(w, xcoms)
	}
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func fmtSpan(start, end time.Time) string {
	switch {
	case start.IsZero():
		return "-"
	case end.IsZero():
		return time.Since(start).Round(time.Second).String() + "+"
	}
	return end.Sub(start).Round(time.Millisecond).String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i] + " ..."
		}
	}
	return s
}

// printLog copies the captured log of one try (default: the latest) from
// the data lake to w.
func printLog(ctx context.Context, st *runstore.Store, blobURL, dagID, runID, taskID string, try int, w io.Writer) error {
	ti, err := st.TaskInstance(ctx, dagID, runID, taskID)
	if err != nil {
		return err
	}
	if len(ti.Tries) == 0 {
		return fmt.Errorf("runs logs: task %s of run %s has not run yet", taskID, runID)
	}
	rec := ti.Tries[len(ti.Tries)-1]
	if try != 0 {
		found := false
		for _, r := range ti.Tries {
			if r.Try == try {
				rec, found = r, true
			}
		}
		if !found {
			return fmt.Errorf("runs logs: task %s has no try %d (tries: 1..%d)", taskID, try, len(ti.Tries))
		}
	}
	if rec.LogKey == "" {
		return fmt.Errorf("runs logs: try %d of task %s kept no log", rec.Try, taskID)
	}
	lake, err := tasks.OpenLake(ctx, blobURL)
	if err != nil {
		return err
	}
	defer lake.Close()
	r, err := lake.Open(ctx, rec.LogKey)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}
