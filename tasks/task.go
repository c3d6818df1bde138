package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// Info identifies one try of one task instance of one DAG run.
type Info struct {
	DagID       string    `json:"dag_id"`
	RunID       string    `json:"run_id"`
	TaskID      string    `json:"task_id"`
	Try         int       `json:"try"`
	LogicalDate time.Time `json:"logical_date"`
	// MaxTries is retries+1: the try number after which a failure is final.
	MaxTries int `json:"max_tries"`
}

// Task is what a Handler receives: the rendered arguments of one try and the
// facilities to do its work.
type Task struct {
	Type string
	Info Info
	// Args holds the task's arguments as a JSON object, templates already rendered.
	Args json.RawMessage
	// Logger writes to the worker's log and to this try's captured log.
	Logger *slog.Logger
	// Lake is the data lake that holds inputs and outputs.
	Lake *Lake
	// XCom returns the return value of an upstream task of the same run
	// (nil when that task has none). It is nil for ad-hoc tasks.
	XCom func(ctx context.Context, taskID string) (json.RawMessage, error)
	// Upstream are the ids of the tasks this one depends on directly, in
	// task id order (none for ad-hoc tasks). ResolveInputs reads their
	// outputs by default.
	Upstream []string
}

// Handler runs one try of a task. The returned value, marshalled to JSON, is
// the task's XCom return_value (capped in size by the worker). A returned
// error fails the try; wrap ErrInvalidArgs (or asynq.SkipRetry) to fail it
// without further retries.
type Handler interface {
	Run(ctx context.Context, t *Task) (any, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, t *Task) (any, error)

// Run calls f.
func (f HandlerFunc) Run(ctx context.Context, t *Task) (any, error) { return f(ctx, t) }

// ErrInvalidArgs marks a permanent failure caused by the task's arguments:
// the try fails at once and is not retried. It wraps asynq.SkipRetry.
var ErrInvalidArgs = fmt.Errorf("invalid task arguments (%w)", asynq.SkipRetry)

// ErrSkip, wrapped in a handler's error, ends the try as skipped, as
// Airflow's AirflowSkipException does: no retry, and downstream tasks
// follow their trigger rules for a skipped upstream. It wraps
// asynq.SkipRetry.
var ErrSkip = fmt.Errorf("task skipped (%w)", asynq.SkipRetry)

// InvalidArg returns an error naming the argument, wrapping ErrInvalidArgs.
func InvalidArg(arg, format string, a ...any) error {
	return fmt.Errorf("argument %q: %s: %w", arg, fmt.Sprintf(format, a...), ErrInvalidArgs)
}

// IntArg returns the optional integer argument name: def when v is nil
// (not given), else *v, which must lie in lo..hi or is an InvalidArg.
func IntArg[T int | int64](name string, v *T, def, lo, hi T) (T, error) {
	if v == nil {
		return def, nil
	}
	if *v < lo || *v > hi {
		return 0, InvalidArg(name, "%d is outside %d..%d", *v, lo, hi)
	}
	return *v, nil
}

// IsPermanent reports whether err must not be retried.
func IsPermanent(err error) bool { return errors.Is(err, asynq.SkipRetry) }

// DecodeArgs decodes t.Args strictly into v (unknown keys are errors) and
// maps decode errors to ErrInvalidArgs naming the field. Empty Args leave v
// as it is; Args that are not a JSON object (or null) are an error.
func DecodeArgs(t *Task, v any) error {
	if len(t.Args) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(t.Args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			if ute.Field == "" { // the whole value: an array, a string, a number
				return fmt.Errorf("%s arguments must be a JSON object, got JSON %s: %w", t.Type, ute.Value, ErrInvalidArgs)
			}
			return InvalidArg(ute.Field, "want %s, got JSON %s", ute.Type, ute.Value)
		}
		return fmt.Errorf("%s arguments: %w: %w", t.Type, err, ErrInvalidArgs)
	}
	if dec.More() {
		return fmt.Errorf("%s arguments: trailing data after the JSON object: %w", t.Type, ErrInvalidArgs)
	}
	return nil
}
