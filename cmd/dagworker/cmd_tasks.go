package main

import (
	"context"
	"fmt"
	"io"

	"github.com/dagworker/dagworker/internal/api"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/worker"
)

// tasksUsage is the usage line of tasks.
const tasksUsage = "usage: dagworker tasks show <task_id> [--api-url URL | --redis-url URL]"

// runTasks shows one ad-hoc task (as `enqueue` printed its id): type,
// queue, state, times, result, output URI and the outputs' download URLs.
func runTasks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, tasksUsage)
		return nil
	}
	if len(args) == 0 || args[0] != "show" {
		fmt.Fprintln(stderr, tasksUsage)
		if len(args) > 0 {
			suggest(stderr, "subcommand", args[0], []string{"show"})
		}
		return exitError(2)
	}
	fs := newFlagSet("tasks show <task_id>", stderr)
	redisURL := redisURLFlag(fs, "without --api-url, the Redis of a running dagworker")
	prefix := keyPrefixFlag(fs)
	rf := addRemoteFlags(fs)
	blobURL := blobURLFlag(fs, "", "without --api-url, a finished task's log is read from it")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, tasksUsage)
		return exitError(2)
	}
	if err := tasks.CheckKeyPart(pos[0]); err != nil {
		return fmt.Errorf("tasks show: task id %q: %w", pos[0], err)
	}
	client, err := chooseRemote("tasks show", rf, *redisURL, stderr)
	if err != nil {
		return err
	}
	var t api.TaskResponse
	if client != nil {
		if t, err = client.Task(ctx, pos[0]); err != nil {
			return err
		}
	} else {
		runner, closeRunner, err := localRunner(ctx, *redisURL, *prefix, *blobURL)
		if err != nil {
			return err
		}
		defer closeRunner()
		at, err := runner.Task(ctx, pos[0])
		if err != nil {
			return err
		}
		t = taskResponse(at)
	}
	printTask(stdout, stderr, t, true)
	if client != nil && t.State == "success" {
		printRemoteOutputs(ctx, stdout, stderr, client, worker.AdHocDagID, t.ID)
	}
	return nil
}
