package main

import (
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/bash"
	"github.com/dagworker/dagworker/tasks/classify"
	"github.com/dagworker/dagworker/tasks/httptask"
	"github.com/dagworker/dagworker/tasks/notion"
	"github.com/dagworker/dagworker/tasks/render"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// builtinOperators lists the task types the binary registers, with the
// argument names each accepts (nil: any). "noop" succeeds at once and is used by the shipped
// example DAG for fan-out/fan-in points.
func builtinOperators() map[string][]string {
	return map[string][]string{
		"scrape":   scrape.ArgNames(),
		"classify": classify.ArgNames(),
		"render":   render.ArgNames(),
		"noop":     nil,
		"echo":     nil,
		"sleep":    {"duration"},
		"fail":     {"message", "until_try"},
		"bash":     bash.ArgNames(),
		"http":     httptask.ArgNames(),
		"notion":   notion.ArgNames(),
	}
}

// builtinAliases maps the Airflow provider's operator class paths to task
// types, so one DAG file loads both in Airflow (dag-factory) and here.
func builtinAliases() map[string]string {
	return map[string]string{
		"dagworker_airflow.operators.ScrapeOperator":   "scrape",
		"dagworker_airflow.operators.ClassifyOperator": "classify",
		"dagworker_airflow.operators.RenderOperator":   "render",
		"dagworker_airflow.operators.NoopOperator":     "noop",
		"dagworker_airflow.operators.EchoOperator":     "echo",
	}
}

// builtinIO says what the built-in task types read from their upstream
// tasks and write for their downstream tasks.
func builtinIO() map[string]dag.OperatorIO {
	return map[string]dag.OperatorIO{
		"scrape":   {Writes: tasks.KindPages},
		"classify": {Reads: tasks.KindPages, Writes: tasks.KindClassified},
		"render":   {Reads: tasks.KindClassified, Writes: tasks.KindReport},
		"noop":     {},
		"echo":     {},
		"sleep":    {},
		"fail":     {},
		"bash":     {},
		"http":     {},
		"notion":   {Reads: tasks.KindClassified},
	}
}

// dagOptions is the parser configuration for the built-in operator set.
func dagOptions() dag.Options {
	return dag.Options{Operators: builtinOperators(), Aliases: builtinAliases(), IO: builtinIO()}
}
