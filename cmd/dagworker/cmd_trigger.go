package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
)

// runTrigger creates a manual run of a DAG through the server's API (or,
// with only --redis-url, in its Redis) and, with --wait, follows it to the
// end with a live view on stderr.
func runTrigger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trigger <dag_id>", stderr)
	cf := addCommonFlags(fs, "without --api-url, the Redis of a running dagworker")
	rf := addRemoteFlags(fs)
	confArg := fs.String("conf", "", "trigger conf (a JSON object; overrides params)")
	runID := fs.String("run-id", "", "run id (default manual__<now>); an existing id is not run again")
	wait, timeout := waitFlags(fs, "wait for the run to finish; exit 1 if it failed")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: dagworker trigger <dag_id> [--conf JSON] [--run-id ID] [--wait] [--api-url URL | --redis-url URL]")
		return exitError(2)
	}
	dagID := pos[0]
	var conf json.RawMessage
	if *confArg != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(*confArg), &obj); err != nil {
			return fmt.Errorf("--conf: not a JSON object: %w", err)
		}
		conf = json.RawMessage(*confArg)
	}
	client, err := chooseRemote("trigger", rf, *cf.redisURL, stderr)
	if err != nil {
		return err
	}
	if client != nil {
		return triggerRemote(ctx, client, dagID, *runID, conf, *wait, *timeout, stdout, stderr)
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
	if xcoms, err := c.store.XComs(ctx, dagID, run.RunID); err == nil {
		printXComOutputs(stdout, xcoms)
	}
	if run.State != runstore.RunSuccess {
		return exitError(1)
	}
	return nil
}

// follow polls the run in Redis until it finishes, drawing the live view
// on w.
func follow(ctx context.Context, st *runstore.Store, dagID, runID string, w io.Writer) (*runstore.Run, error) {
	view := newLiveView(w)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		run, err := st.GetRun(ctx, dagID, runID)
		if err != nil {
			return nil, err
		}
		tis, err := st.TaskInstances(ctx, run.DagID, run.RunID)
		if err != nil {
			return nil, err
		}
		view.update(localView(run, tis))
		if run.State.Finished() {
			return run, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("run %s not finished: %w", runID, ctx.Err())
		case <-tick.C:
		}
	}
}

// localView is the live view of a run read from Redis.
func localView(run *runstore.Run, tis []*runstore.TaskInstance) runView {
	v := runView{runID: run.RunID, state: string(run.State), done: run.TasksDone, total: run.TasksTotal}
	for _, ti := range tis {
		switch ti.State {
		case runstore.TIRunning:
			v.running = append(v.running, ti.TaskID)
		case runstore.TIUpForRetry:
			v.retrying = append(v.retrying, fmt.Sprintf("%s (try %d/%d)", ti.TaskID, ti.TryNumber, ti.MaxTries))
		case runstore.TIFailed:
			f := taskFailure{task: ti.TaskID}
			if n := len(ti.Tries); n > 0 {
				f.detail = ti.Tries[n-1].Error
			}
			v.failed = append(v.failed, f)
		}
	}
	return v
}
