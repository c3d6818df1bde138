package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrNoInput is returned when a task has no input to read: no "input"
// argument and no output named by the upstream task's XCom.
var ErrNoInput = errors.New("no input")

// ErrNoLake is returned when a task that reads the data lake has none.
var ErrNoLake = errors.New("the task has no data lake")

// xcomOutput is the part of an upstream XCom that names its output: either
// {"output": {"key", "uri"}} or a value embedding Output.
type xcomOutput struct {
	Output *struct {
		Key  string `json:"key"`
		URI  string `json:"uri"`
		Kind string `json:"kind"`
	} `json:"output"`
	Key  string `json:"key"`
	URI  string `json:"uri"`
	Kind string `json:"kind"`
}

// Input is one object a task reads: its data lake key, the upstream task
// that wrote it ("" for an explicit input argument) and its kind.
type Input struct {
	Key  string
	Task string
	Kind string
}

// ResolveInputs returns the objects a task reads, as Airflow's XCom wiring
// does: the input argument (a key, or a URI of an object in t.Lake) when
// given; else the outputs of the tasks named in inputTasks, each of which
// must name one; else the outputs of every upstream task (t.Upstream) whose
// kind is kind or unset ("" takes any), in t.Upstream's order. Upstream
// tasks whose XCom names no output (noop, echo) are passed over.
//
// An upstream XCom names its output as {"output": {"key": ..., "kind": ...}}
// or with a bare "key" ("uri" when there is no key).
//
// Errors caused by the arguments or by what the upstream tasks returned name
// the argument ("input" or "input_task") and wrap ErrInvalidArgs; those with
// nothing to read also wrap ErrNoInput. A failure to fetch an XCom is
// returned wrapped, to be retried; no lake is ErrNoLake.
func ResolveInputs(ctx context.Context, t *Task, input string, inputTasks []string, kind string) ([]Input, error) {
	if t.Lake == nil {
		return nil, ErrNoLake
	}
	if input != "" {
		key, err := t.Lake.refKey(input)
		if err != nil {
			return nil, InvalidArg("input", "%v", err)
		}
		return []Input{{Key: key}}, nil
	}
	if t.XCom == nil {
		return nil, noInput("input", "required when the task has no upstream tasks (ad-hoc run)")
	}
	var out []Input
	if len(inputTasks) > 0 {
		for _, id := range inputTasks {
			in, found, err := upstreamOutput(ctx, t, id)
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, noInput("input_task", "task %q returned no JSON object naming an output", id)
			}
			if kind != "" && in.Kind != "" && in.Kind != kind {
				return nil, InvalidArg("input_task", "task %q wrote %s, this task reads %s", id, in.Kind, kind)
			}
			out = append(out, in)
		}
		return out, nil
	}
	var passed []string
	for _, id := range t.Upstream {
		in, found, err := upstreamOutput(ctx, t, id)
		if err != nil {
			return nil, err
		}
		if found && (kind == "" || in.Kind == "" || in.Kind == kind) {
			out = append(out, in)
		} else {
			passed = append(passed, id)
		}
	}
	if len(out) == 0 {
		what := "an output"
		if kind != "" {
			what = kind + " output"
		}
		if len(t.Upstream) == 0 {
			return nil, noInput("input", "the task has no upstream task to read %s from: give input, or depend on the task that writes it", what)
		}
		return nil, noInput("input", "no upstream task wrote %s (upstream: %s): name one with input_task, or give input",
			what, strings.Join(passed, ", "))
	}
	return out, nil
}

// ResolveInput returns the data lake key of a task's single input: the
// input argument, else the output of the upstream task inputTask, else the
// one output of the task's upstream tasks (an error when there are
// several: name one with inputTask). Errors are as ResolveInputs's.
func ResolveInput(ctx context.Context, t *Task, input, inputTask string) (string, error) {
	var named []string
	if inputTask != "" {
		named = []string{inputTask}
	}
	ins, err := ResolveInputs(ctx, t, input, named, "")
	if err != nil {
		return "", err
	}
	if len(ins) > 1 {
		ids := make([]string, len(ins))
		for i, in := range ins {
			ids[i] = in.Task
		}
		return "", InvalidArg("input_task", "several upstream tasks wrote outputs (%s): name one", strings.Join(ids, ", "))
	}
	return ins[0].Key, nil
}

// upstreamOutput reads the output named by the XCom of upstream task id;
// found is false when its XCom names none.
func upstreamOutput(ctx context.Context, t *Task, id string) (Input, bool, error) {
	raw, err := t.XCom(ctx, id)
	if err != nil {
		return Input{}, false, fmt.Errorf("xcom of task %q: %w", id, err)
	}
	if len(raw) == 0 || string(raw) == "null" {
		return Input{}, false, nil
	}
	var x xcomOutput
	if err := json.Unmarshal(raw, &x); err != nil {
		return Input{}, false, nil // a scalar or list names no output
	}
	key, uri, kind := x.Key, x.URI, x.Kind
	if x.Output != nil {
		key, uri, kind = x.Output.Key, x.Output.URI, x.Output.Kind
	}
	ref := key
	if ref == "" {
		ref = uri
	}
	if ref == "" {
		return Input{}, false, nil
	}
	k, err := t.Lake.refKey(ref)
	if err != nil {
		return Input{}, false, InvalidArg("input_task", "the XCom of task %q: %v", id, err)
	}
	return Input{Key: k, Task: id, Kind: kind}, true, nil
}

// TaskIDs is an input_task argument: one task id or a list of them.
type TaskIDs []string

// UnmarshalJSON accepts a string, a list of strings or null.
func (ids *TaskIDs) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*ids = nil
		if one != "" {
			*ids = TaskIDs{one}
		}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("want a task id or a list of task ids")
	}
	*ids = list
	return nil
}

// Check validates every id as a key part and refuses duplicates.
func (ids TaskIDs) Check() error {
	seen := map[string]bool{}
	for _, id := range ids {
		if err := CheckKeyPart(id); err != nil {
			return fmt.Errorf("%q is not a task id: %w", id, err)
		}
		if seen[id] {
			return fmt.Errorf("task %q is named twice", id)
		}
		seen[id] = true
	}
	return nil
}

// noInput is InvalidArg that also wraps ErrNoInput.
func noInput(arg, format string, a ...any) error {
	return fmt.Errorf("argument %q: %s: %w: %w", arg, fmt.Sprintf(format, a...), ErrNoInput, ErrInvalidArgs)
}

// refKey returns the validated key named by ref: a key, or the URI of an
// object in this lake (its query, if any, is dropped).
func (l *Lake) refKey(ref string) (string, error) {
	key := ref
	if prefix := l.URI(""); strings.HasPrefix(ref, prefix) {
		key, _, _ = strings.Cut(ref[len(prefix):], "?")
	} else if strings.Contains(ref, "://") {
		return "", fmt.Errorf("%q is not in this data lake (%s)", cut(ref, 200), prefix)
	}
	return JoinKey(strings.Split(key, "/")...)
}

// cut shortens s to at most n bytes, on a rune boundary, for an error
// message.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
