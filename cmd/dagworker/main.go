// Command dagworker runs DAGs of tasks on asynq workers: the all-in-one
// server, the worker and coordinator roles, and the tools around them
// (dags validate|list|render|test, trigger, enqueue, runs, db clean, models).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

func main() {
	// The first SIGINT/SIGTERM cancels ctx (graceful drain); a second one
	// ends the process at once because NotifyContext stops catching it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		fmt.Fprintln(os.Stderr, "dagworker:", err)
		os.Exit(1)
	}
}

// exitError ends the process with a status and no further message (the
// command already printed what went wrong).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// command is one subcommand. run receives the arguments after the command
// name; subs are its own subcommands (for completion and suggestions).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	subs    []string
}

// commands lists every subcommand; each lives in its own cmd_*.go file.
func commands() map[string]command {
	return map[string]command{
		"demo":        {summary: "run the nightly DAG against the built-in demo site (the main job on embedded defaults)", run: runDemo},
		"dags":        {summary: "validate, list, render or test DAG files; list, pause or unpause the server's DAGs", run: runDags, subs: slices.Sorted(maps.Keys(dagsCommands()))},
		"db":          {summary: "db clean: delete old finished runs with their outputs and logs (like airflow db clean)", run: runDB},
		"worker":      {summary: "run a worker: execute task instances from Redis queues", run: runWorker},
		"serve":       {summary: "run coordinator, worker and HTTP server in one process (embedded Redis without --redis-url)", run: runServe},
		"coordinator": {summary: "run a coordinator: cron leader, run creation, reconcile sweep, HTTP server", run: runCoordinator},
		"trigger":     {summary: "trigger a DAG run on the server (--wait follows it to the end)", run: runTrigger},
		"backfill":    {summary: "backfill a DAG's intervals between --from and --to (--dry-run lists them)", run: runBackfill},
		"runs":        {summary: "list a DAG's runs, show one, print a task's log or clear a run", run: runRuns, subs: []string{"clear", "list", "logs", "show"}},
		"enqueue":     {summary: "run one ad-hoc task (--wait prints its state, result and output URI)", run: runEnqueue},
		"tasks":       {summary: "show an ad-hoc task: state, result, log, outputs", run: runTasks, subs: []string{"show"}},
		"login":       {summary: "log in to a server's API and save the token for the other commands", run: runLogin},
		"models":      {summary: "pull a Hugging Face model into the registry folder, or list the models", run: runModels, subs: []string{"list", "pull"}},
		"operators":   {summary: "list the built-in operators, or show one's arguments", run: runOperators, subs: []string{"list", "show"}},
		"version":     {summary: "print the version and the commit it was built from", run: runVersion},
		"completion":  {summary: "print a shell completion script: completion bash|zsh|fish", run: runCompletion, subs: shells},
	}
}

// run runs the command named by args[0] with the rest of args. A help
// flag anywhere (before "--") makes the command's usage exit a success:
// --help exits 0 on every command.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) >= 2 && args[0] == "help" {
		// "help trigger" is "trigger --help".
		args = append(args[1:], "--help")
	}
	if len(args) == 0 || isHelp(args[0]) {
		usage(stdout, cmds)
		if len(args) == 0 {
			return exitError(2)
		}
		return nil
	}
	if args[0] == "--version" || args[0] == "-version" {
		return runVersion(ctx, nil, stdout, stderr)
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		suggest(stderr, "command", args[0], slices.Sorted(maps.Keys(cmds)))
		return fmt.Errorf("unknown command %q", args[0])
	}
	if asksHelp(args[1:]) {
		stderr = stdout // asked for, the usage is the output
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	if errors.Is(err, exitError(0)) || (errors.Is(err, exitError(2)) && asksHelp(args[1:])) {
		return nil
	}
	return err
}

// asksHelp reports whether args hold -h or --help before any "--".
func asksHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

// printCommands prints one line per command, sorted by name, the names
// padded to width.
func printCommands(w io.Writer, cmds map[string]command, width int) {
	for _, n := range slices.Sorted(maps.Keys(cmds)) {
		fmt.Fprintf(w, "  %-*s %s\n", width, n, cmds[n].summary)
	}
}

// usage prints the command list and how to get a command's flags.
func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: dagworker <command> [flags]\n\ncommands:")
	printCommands(w, cmds, 12)
	fmt.Fprintln(w, "\nRun 'dagworker <command> -h' for the flags of a command. Every flag has a DAGWORKER_* environment twin.")
}
