package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
)

// runTrigger creates a manual run of a DAG and, with --wait, follows it to
// the end with a progress line on stderr.
func runTrigger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trigger <dag_id>", stderr)
	cf := addCommonFlags(fs, redisRemote)
	confArg := fs.String("conf", "", "trigger conf (a JSON object; overrides params)")
	runID := fs.String("run-id", "", "run id (default manual__<now>); an existing id is not run again")
	wait, timeout := waitFlags(fs, "wait for the run to finish; exit 1 if it failed")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitError(2)
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: dagworker trigger <dag_id> [--conf JSON] [--run-id ID] [--wait]")
		return exitError(2)
	}
	dagID := pos[0]
	if *cf.redisURL == "" {
		return fmt.Errorf("trigger: --redis-url (or DAGWORKER_REDIS_URL) is required: the run goes to the Redis of a running dagworker")
	}
	var conf json.RawMessage
	if *confArg != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(*confArg), &obj); err != nil {
			return fmt.Errorf("--conf: not a JSON object: %w", err)
		}
		conf = json.RawMessage(*confArg)
	}
	log := newLogger(fs, stderr, slog.LevelWarn)
	folder, err := loadDAG(ctx, *cf.dags, dagID, log)
	if err != nil {
		return err
	}
	d, _ := folder.DAG(dagID)
	c, err := connect(*cf.redisURL, *cf.prefix, log)
	if err != nil {
		return err
	}
	defer c.Close()
	now := time.Now().UTC().Truncate(time.Second)
	res, err := c.eng.CreateRun(ctx, d, engine.RunOptions{RunID: *runID, RunType: runstore.RunManual,
		LogicalDate: now, DataIntervalStart: now, DataIntervalEnd: now, RunAfter: now, Conf: conf, TriggeredBy: "cli"})
	if res == nil {
		return fmt.Errorf("trigger %s: %w", dagID, err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "warning: run created but its first tasks were not enqueued (the coordinator's reconcile sweep retries): %v\n", err)
	}
	if res.Created {
		fmt.Fprintf(stdout, "triggered %s run %s (%s)\n", dagID, res.Run.RunID, res.Run.State)
	} else {
		fmt.Fprintf(stdout, "run %s of %s exists already (%s); not triggered again\n", res.Run.RunID, dagID, res.Run.State)
	}
	if !*wait {
		return nil
	}
	ctx, cancel := withTimeout(ctx, *timeout)
	defer cancel()
	run, err := follow(ctx, c.store, dagID, res.Run.RunID, stderr)
	if err != nil {
		return err
	}
	tis, err := c.store.TaskInstances(ctx, dagID, run.RunID)
	if err != nil {
		return err
	}
	printRun(stdout, run, tis)
	if run.State != runstore.RunSuccess {
		return exitError(1)
	}
	return nil
}

// follow polls the run until it finishes, drawing a progress line on w:
// tasks done/total, the running tasks and the time elapsed. On a terminal
// the line is redrawn in place; otherwise a line is printed on each change.
func follow(ctx context.Context, st *runstore.Store, dagID, runID string, w io.Writer) (*runstore.Run, error) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isTerminal(f)
	}
	start := time.Now()
	last := ""
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		run, err := st.GetRun(ctx, dagID, runID)
		if err != nil {
			return nil, err
		}
		line, err := progressLine(ctx, st, run, time.Since(start))
		if err != nil {
			return nil, err
		}
		switch {
		case tty:
			fmt.Fprintf(w, "\r\033[K%s", line)
		case stripElapsed(line) != stripElapsed(last):
			fmt.Fprintln(w, line)
		}
		last = line
		if run.State.Finished() {
			if tty {
				fmt.Fprintln(w)
			}
			return run, nil
		}
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(w)
			}
			return nil, fmt.Errorf("run %s not finished: %w", runID, ctx.Err())
		case <-tick.C:
		}
	}
}

// progressLine is "<run_id> <state>: 3/5 tasks done, running: a, b, 12.3s".
func progressLine(ctx context.Context, st *runstore.Store, run *runstore.Run, elapsed time.Duration) (string, error) {
	tis, err := st.TaskInstances(ctx, run.DagID, run.RunID)
	if err != nil {
		return "", err
	}
	var running []string
	for _, ti := range tis {
		if ti.State == runstore.TIRunning {
			running = append(running, ti.TaskID)
		}
	}
	s := fmt.Sprintf("%s %s: %d/%d tasks done", run.RunID, run.State, run.TasksDone, run.TasksTotal)
	if len(running) > 0 {
		s += ", running: " + strings.Join(running, ", ")
	}
	return s + fmt.Sprintf(", %.1fs", elapsed.Seconds()), nil
}

// stripElapsed drops the trailing elapsed time, to print a line only when
// something else changed.
func stripElapsed(line string) string {
	if i := strings.LastIndex(line, ", "); i >= 0 {
		return line[:i]
	}
	return line
}
