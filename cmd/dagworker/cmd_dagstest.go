package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/engine"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// runDagsTest runs one DAG run to the end in this process (like `airflow
// dags test`) and prints each task's state, tries and duration.
func runDagsTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dags test <dag_id>", stderr)
	dir := dagsFlag(fs)
	redisURL := redisURLFlag(fs, redisEmbedded)
	blobURL := blobURLFlag(fs, tasks.DefaultLakeURL, "")
	tf := addTaskFlags(fs)
	confArg := fs.String("conf", "", "trigger conf (a JSON object; overrides params)")
	ldArg := fs.String("logical-date", "", "logical date (RFC 3339 or 2006-01-02; default now)")
	timeout := fs.Duration("timeout", time.Hour, "give up after this long")
	var dagID string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dagID, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return flagError(err)
	}
	if dagID == "" && fs.NArg() == 1 {
		dagID = fs.Arg(0)
	}
	if dagID == "" {
		fmt.Fprintln(stderr, "usage: dagworker dags test <dag_id> [--conf JSON] [--logical-date D]")
		return exitError(2)
	}
	src, err := loadDAGs(*dir)
	if err != nil {
		return err
	}
	d, ok := src.set.DAGs[dagID]
	if !ok {
		if e := src.set.Err(); e != nil {
			fmt.Fprintln(stderr, e)
		}
		return fmt.Errorf("dags test: no valid DAG %q", dagID)
	}
	ld := time.Now().UTC().Truncate(time.Second)
	if *ldArg != "" {
		loc := d.Location
		if loc == nil {
			loc = time.UTC
		}
		if ld, err = parseLogicalDate(*ldArg, loc); err != nil {
			return err
		}
	}
	var conf json.RawMessage
	if *confArg != "" {
		conf = json.RawMessage(*confArg)
		if !json.Valid(conf) {
			return fmt.Errorf("--conf: not valid JSON")
		}
	}
	log := newLogger(fs, stderr, slog.LevelWarn)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	env, err := openLocalRun(ctx, *redisURL, *blobURL, tf, log)
	if err != nil {
		return err
	}
	defer env.Close()
	res, err := env.run(ctx, d, ld, conf)
	if err != nil {
		return err
	}
	printRun(stdout, res.run, res.tis)
	printXComOutputs(stdout, res.xcoms)
	if res.run.State != runstore.RunSuccess {
		return exitError(1)
	}
	return nil
}

// testResult is a finished run with its task instances and XComs.
type testResult struct {
	run   *runstore.Run
	tis   []*runstore.TaskInstance
	xcoms map[string]json.RawMessage
}

// testRun runs one DAG run to the end with an in-process worker.
func testRun(ctx context.Context, url string, lake *tasks.Lake, log *slog.Logger, tt *taskTypes, d *dag.DAG, ld time.Time, conf json.RawMessage) (*testResult, error) {
	opt, err := worker.ParseRedisURL(url)
	if err != nil {
		return nil, err
	}
	rdb := opt.MakeRedisClient().(redis.UniversalClient)
	defer rdb.Close()
	st, err := runstore.New(runstore.Config{Client: rdb})
	if err != nil {
		return nil, err
	}
	// Every task goes to a queue of this invocation's own, so no other
	// worker on the same Redis takes them.
	queue := fmt.Sprintf("dags-test-%d", time.Now().UnixNano())
	local := *d
	local.Tasks = make([]*dag.Task, len(d.Tasks))
	for i, t := range d.Tasks {
		c := *t
		c.Queue = ""
		local.Tasks[i] = &c
	}
	d = &local
	client := asynq.NewClientFromRedisClient(rdb)
	eng, err := engine.New(engine.Config{Store: st, Client: client, Logger: log, DefaultQueue: queue})
	if err != nil {
		return nil, err
	}
	w, err := worker.New(worker.Config{Redis: opt, Lake: lake, Logger: log, ShutdownTimeout: 5 * time.Second,
		Queues: map[string]int{queue: 1}})
	if err != nil {
		return nil, err
	}
	if err := tt.Register(w); err != nil {
		return nil, err
	}
	wctx, wcancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() { werr = w.Run(wctx) })
	defer func() {
		wcancel()
		wg.Wait()
	}()
	res, err := eng.CreateRun(ctx, d, engine.RunOptions{RunType: runstore.RunManual, LogicalDate: ld,
		DataIntervalStart: ld, DataIntervalEnd: ld, Conf: conf, TriggeredBy: "dags test"})
	if err != nil {
		return nil, err
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		run, err := st.GetRun(ctx, d.ID, res.Run.RunID)
		if err != nil {
			return nil, err
		}
		if run.State.Finished() {
			tis, err := st.TaskInstances(ctx, d.ID, run.RunID)
			if err != nil {
				return nil, err
			}
			xcoms, err := st.XComs(ctx, d.ID, run.RunID)
			if err != nil {
				return nil, err
			}
			return &testResult{run: run, tis: tis, xcoms: xcoms}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dags test: run %s not finished: %w (worker: %w)", run.RunID, ctx.Err(), werr)
		case <-tick.C:
		}
	}
}

func printRun(w io.Writer, run *runstore.Run, tis []*runstore.TaskInstance) {
	fmt.Fprintf(w, "dag %s run %s: %s", run.DagID, run.RunID, run.State)
	if run.FailureReason != "" {
		fmt.Fprintf(w, " (%s)", run.FailureReason)
	}
	fmt.Fprintf(w, " in %s\n", run.EndDate.Sub(run.StartDate).Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tTRIES\tDURATION\tERROR")
	for _, ti := range tis {
		errText := ""
		if n := len(ti.Tries); n > 0 {
			errText = ti.Tries[n-1].Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", ti.TaskID, stateOrNone(ti.State), len(ti.Tries),
			ti.Duration.Round(time.Millisecond), errText)
	}
	_ = tw.Flush()
}

func stateOrNone(s runstore.TIState) string {
	if s == "" {
		return "none"
	}
	return string(s)
}

// localRun is what `dags test` and `demo` need to run a DAG in this process:
// Redis (given or embedded), the data lake and the built-in task types.
type localRun struct {
	url   string
	lake  *tasks.Lake
	tasks *taskTypes
	log   *slog.Logger
	stop  func()
}

// openLocalRun opens Redis (embedded when redisURL is empty), the data lake
// and the task types; Close releases them.
func openLocalRun(ctx context.Context, redisURL, blobURL string, tf taskFlags, log *slog.Logger) (*localRun, error) {
	url, stop, err := redisURLOrEmbedded(ctx, redisURL, log)
	if err != nil {
		return nil, err
	}
	lake, err := tasks.OpenLake(ctx, blobURL)
	if err != nil {
		stop()
		return nil, err
	}
	tt, err := newTaskTypes(tf, log, nil)
	if err != nil {
		_ = lake.Close()
		stop()
		return nil, err
	}
	return &localRun{url: url, lake: lake, tasks: tt, log: log, stop: stop}, nil
}

// run runs one run of d to the end.
func (l *localRun) run(ctx context.Context, d *dag.DAG, ld time.Time, conf json.RawMessage) (*testResult, error) {
	return testRun(ctx, l.url, l.lake, l.log, l.tasks, d, ld, conf)
}

// Close releases what openLocalRun opened.
func (l *localRun) Close() {
	_ = l.tasks.Close()
	_ = l.lake.Close()
	l.stop()
}
