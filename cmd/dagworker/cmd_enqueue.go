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
	"github.com/dagworker/dagworker/tasks"
)

// argList is a repeatable --arg key=value flag.
type argList []string

func (a *argList) String() string     { return strings.Join(*a, ",") }
func (a *argList) Set(v string) error { *a = append(*a, v); return nil }

// runEnqueue submits one ad-hoc task (the API's TaskRunner over asynq) and,
// with --wait, follows it to the end.
func runEnqueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("enqueue", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dagworker enqueue <type> [--arg k=v ...] [--args JSON] [--queue Q] [--wait] [--redis-url URL]")
		fs.PrintDefaults()
	}
	redisURL := redisURLFlag(fs, redisRequired)
	prefix := keyPrefixFlag(fs)
	var kv argList
	fs.Var(&kv, "arg", "one argument key=value (repeatable); a value that parses as JSON is JSON, else a string")
	argsJSON := fs.String("args", "", "the arguments as a JSON object (--arg values are merged over it)")
	queue := fs.String("queue", "default", "asynq queue")
	wait, timeout := waitFlags(fs, "wait for the task to finish; print its state, result and output URI (exit 1 on failure)")
	blobURL := blobURLFlag(fs, "", "with --wait, the task's log is read from it")
	// The task type comes first; flags follow it.
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := parseFlags(fs, args); err != nil {
			return exitError(2)
		}
		fs.Usage()
		return exitError(2)
	}
	taskType := args[0]
	if err := parseFlags(fs, args[1:]); err != nil {
		return exitError(2)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("enqueue: unexpected arguments %q", fs.Args())
	}
	if *redisURL == "" {
		return fmt.Errorf("enqueue: --redis-url (or DAGWORKER_REDIS_URL) is required")
	}
	body, err := enqueueArgs(*argsJSON, kv)
	if err != nil {
		return err
	}
	c, err := connect(*redisURL, *prefix, newLogger(fs, stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer c.Close()
	runner := &api.AsynqRunner{Client: c.client, Inspector: asynq.NewInspectorFromRedisClient(c.rdb), Redis: c.rdb,
		KeyPrefix: *prefix}
	if *blobURL != "" {
		lake, err := tasks.OpenLake(ctx, *blobURL)
		if err != nil {
			return err
		}
		defer lake.Close()
		runner.Lake = lake
	}
	t, err := runner.Submit(ctx, api.TaskRequest{Type: taskType, Args: body, Queue: *queue})
	if err != nil {
		return err
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
		if t, err = runner.Task(ctx, t.ID); err != nil {
			return err
		}
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
		return exitError(1)
	}
	return nil
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
