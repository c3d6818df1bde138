// Package builtin holds small task types for demos and tests: noop, echo,
// sleep and fail. Register them with Register (or one by one).
package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dagworker/dagworker/tasks"
)

// ErrFail is the error of the fail task.
var ErrFail = errors.New("task failed on purpose")

// Registrar is what Register needs (worker.Worker satisfies it).
type Registrar interface {
	Handle(taskType string, h tasks.Handler) error
}

// Handlers returns the built-in task types by name.
func Handlers() map[string]tasks.Handler {
	return map[string]tasks.Handler{
		"noop":  tasks.HandlerFunc(Noop),
		"echo":  tasks.HandlerFunc(Echo),
		"sleep": tasks.HandlerFunc(Sleep),
		"fail":  tasks.HandlerFunc(Fail),
	}
}

// Register registers every built-in type on r.
func Register(r Registrar) error {
	for name, h := range Handlers() {
		if err := r.Handle(name, h); err != nil {
			return fmt.Errorf("register %q: %w", name, err)
		}
	}
	return nil
}

// Noop does nothing and returns nothing.
func Noop(context.Context, *tasks.Task) (any, error) { return nil, nil }

// Echo returns its arguments (rendered) as its return value.
func Echo(_ context.Context, t *tasks.Task) (any, error) {
	if len(t.Args) == 0 {
		return map[string]any{}, nil
	}
	var v any
	if err := json.Unmarshal(t.Args, &v); err != nil {
		return nil, fmt.Errorf("echo: %w: %w", err, tasks.ErrInvalidArgs)
	}
	return v, nil
}

// SleepArgs are the arguments of sleep.
type SleepArgs struct {
	// Duration is a Go duration ("1.5s"); default 1s.
	Duration string `json:"duration"`
}

// Sleep waits for its duration or until its context ends.
func Sleep(ctx context.Context, t *tasks.Task) (any, error) {
	var a SleepArgs
	if err := tasks.DecodeArgs(t, &a); err != nil {
		return nil, err
	}
	d := time.Second
	if a.Duration != "" {
		var err error
		if d, err = time.ParseDuration(a.Duration); err != nil || d < 0 {
			return nil, tasks.InvalidArg("duration", "want a duration like 1.5s, got %q", a.Duration)
		}
	}
	t.Logger.Info("sleeping", "duration", d.String())
	select {
	case <-time.After(d):
		return map[string]any{"slept": d.String()}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// FailArgs are the arguments of fail.
type FailArgs struct {
	// Message is the error text; default "task failed on purpose".
	Message string `json:"message"`
	// UntilTry makes tries before it fail and that try succeed (0: always fail).
	UntilTry int `json:"until_try"`
}

// Fail fails (for demos and tests of retries and trigger rules).
func Fail(_ context.Context, t *tasks.Task) (any, error) {
	var a FailArgs
	if err := tasks.DecodeArgs(t, &a); err != nil {
		return nil, err
	}
	if a.UntilTry > 0 && t.Info.Try >= a.UntilTry {
		return map[string]any{"try": t.Info.Try}, nil
	}
	if a.Message != "" {
		return nil, fmt.Errorf("%w: %s", ErrFail, a.Message)
	}
	return nil, ErrFail
}
