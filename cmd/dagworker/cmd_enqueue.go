package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dagworker/dagworker/internal/api"
	"github.com/dagworker/dagworker/internal/apiengine"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
)

// argList is a repeatable --arg key=value flag.
type argList []string

func (a *argList) String() string     { return strings.Join(*a, ",") }
func (a *argList) Set(v string) error { *a = append(*a, v); return nil }

// runEnqueue submits one ad-hoc task through the server's API (which
// refuses a type its workers do not run, naming the known ones) or, with
// only --redis-url, to its Redis; with --wait it follows the task to the end.
func runEnqueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("enqueue", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dagworker enqueue <type> [--arg k=v ...] [--args JSON] [--queue Q] [--wait] [--api-url URL | --redis-url URL]")
		fs.PrintDefaults()
	}
	redisURL := redisURLFlag(fs, "without --api-url, the Redis of a running dagworker")
	prefix := keyPrefixFlag(fs)
	rf := addRemoteFlags(fs)
	var kv argList
	fs.Var(&kv, "arg", "one argument key=value (repeatable); a value that parses as JSON is JSON, else a string")
	argsJSON := fs.String("args", "", "the arguments as a JSON object (--arg values are merged over it)")
	queue := fs.String("queue", "default", "asynq queue")
	wait, timeout := waitFlags(fs, "wait for the task to finish; print its state, result and output URI (exit 1 on failure)")
	blobURL := blobURLFlag(fs, "", "without --api-url and with --wait, the task's log is read from it")
	// The task type comes first; flags follow it.
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := parseFlags(fs, args); err != nil {
			return flagError(err)
		}
		fs.Usage()
		return exitError(2)
	}
	taskType := args[0]
	if err := parseFlags(fs, args[1:]); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("enqueue: unexpected arguments %q", fs.Args())
	}
	body, err := enqueueArgs(*argsJSON, kv)
	if err != nil {
		return err
	}
	client, err := chooseRemote("enqueue", rf, *redisURL, stderr)
	if err != nil {
		return err
	}
	var get func(ctx context.Context, id string) (api.TaskResponse, error)
	var t api.TaskResponse
	if client != nil {
		if t, err = client.SubmitTask(ctx, api.TaskRequest{Type: taskType, Args: body, Queue: *queue}); err != nil {
			return fmt.Errorf("enqueue %s: %w", taskType, err)
		}
		get = client.Task
	} else {
		runner, closeRunner, err := localRunner(ctx, *redisURL, *prefix, *blobURL)
		if err != nil {
			return err
		}
		defer closeRunner()
		at, err := runner.Submit(ctx, api.TaskRequest{Type: taskType, Args: body, Queue: *queue})
		if err != nil {
			return err
		}
		t = taskResponse(at)
		get = func(ctx context.Context, id string) (api.TaskResponse, error) {
			at, err := runner.Task(ctx, id)
			return taskResponse(at), err
		}
	}
	fmt.Fprintln(stdout, t.ID)
	if !*wait {
		return nil
	}
	ctx, cancel := withTimeout(ctx, *timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for t.State != "success" && t.State != "failed" {
		select {
		case <-ctx.Done():
			return fmt.Errorf("task %s still %s: %w", t.ID, t.State, ctx.Err())
		case <-tick.C:
		}
		if t, err = get(ctx, t.ID); err != nil {
			return err
		}
	}
	printTask(stdout, stderr, t, false)
	if client != nil {
		printRemoteOutputs(ctx, stdout, stderr, client, worker.AdHocDagID, t.ID)
	}
	if t.State == "failed" {
		return exitError(1)
	}
	return nil
}

// localRunner is the API's TaskRunner over the Redis at url (and the lake
// at blobURL for the tasks' logs, when set).
func localRunner(ctx context.Context, url, prefix, blobURL string) (*apiengine.AsynqRunner, func(), error) {
	c, err := connect(url, prefix, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, err
	}
	runner := &apiengine.AsynqRunner{Client: c.client, Inspector: asynq.NewInspectorFromRedisClient(c.rdb), Redis: c.rdb,
		KeyPrefix: prefix}
	closeAll := c.Close
	if blobURL != "" {
		lake, err := tasks.OpenLake(ctx, blobURL)
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		runner.Lake = lake
		closeAll = func() { _ = lake.Close(); c.Close() }
	}
	return runner, closeAll, nil
}

// taskResponse is the API's view of an ad-hoc task read from Redis.
func taskResponse(t api.AdHocTask) api.TaskResponse {
	return api.TaskResponse{ID: t.ID, Type: t.Type, Queue: t.Queue, State: t.State, Result: t.Result, OutputURI: t.OutputURI,
		Error: t.Error, Log: t.Log, CreatedAt: t.CreatedAt, StartedAt: t.StartedAt, EndedAt: t.EndedAt}
}

// printTask prints an ad-hoc task's state, result, output URI and error (a
// failed task's log goes to stderr); full adds its type, queue and times.
func printTask(stdout, stderr io.Writer, t api.TaskResponse, full bool) {
	if full {
		fmt.Fprintf(stdout, "task %s\ntype: %s\nqueue: %s\ncreated: %s\nstarted: %s\nended: %s\n", t.ID, t.Type, orDash(t.Queue),
			fmtTime(t.CreatedAt), fmtPtrTime(t.StartedAt), fmtPtrTime(t.EndedAt))
	}
	fmt.Fprintf(stdout, "state: %s\n", t.State)
	if len(t.Result) > 0 {
		fmt.Fprintf(stdout, "result: %s\n", t.Result)
	}
	if t.OutputURI != "" {
		fmt.Fprintf(stdout, "output: %s\n", t.OutputURI)
	}
	if t.State == "failed" {
		fmt.Fprintf(stdout, "error: %s\n", t.Error)
		if t.Log != "" {
			fmt.Fprint(stderr, t.Log)
		}
	}
}

// enqueueArgs builds the JSON arguments from --args and the --arg pairs.
func enqueueArgs(base string, kv []string) (json.RawMessage, error) {
	m := map[string]any{}
	if base != "" {
		if err := json.Unmarshal([]byte(base), &m); err != nil {
			return nil, fmt.Errorf("--args: want a JSON object: %w", err)
		}
	}
	for _, p := range kv {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--arg %q: want key=value", p)
		}
		var val any
		if err := json.Unmarshal([]byte(v), &val); err != nil {
			val = v
		}
		m[k] = val
	}
	return json.Marshal(m)
}
