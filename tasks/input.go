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
		Key string `json:"key"`
		URI string `json:"uri"`
	} `json:"output"`
	Key string `json:"key"`
	URI string `json:"uri"`
}

// ResolveInput returns the validated data lake key of a task's input: the
// input argument (a key, or a URI of an object in t.Lake), else the output
// named by the XCom of the upstream task inputTask ({"output": {"key": ...}}
// or a bare {"key": ...}; a "uri" when there is no key).
//
// Errors caused by the arguments or by what the upstream task returned name
// the argument ("input" or "input_task") and wrap ErrInvalidArgs; those with
// nothing to read also wrap ErrNoInput. A failure to fetch the XCom is
// returned wrapped, to be retried; no lake is ErrNoLake.
func ResolveInput(ctx context.Context, t *Task, input, inputTask string) (string, error) {
	if t.Lake == nil {
		return "", ErrNoLake
	}
	if input != "" {
		key, err := t.Lake.refKey(input)
		if err != nil {
			return "", InvalidArg("input", "%v", err)
		}
		return key, nil
	}
	if t.XCom == nil {
		return "", noInput("input", "required when the task has no upstream tasks (ad-hoc run)")
	}
	raw, err := t.XCom(ctx, inputTask)
	if err != nil {
		return "", fmt.Errorf("xcom of task %q: %w", inputTask, err)
	}
	if len(raw) == 0 || string(raw) == "null" {
		return "", noInput("input_task", "task %q returned no JSON object naming an output", inputTask)
	}
	var x xcomOutput
	if err := json.Unmarshal(raw, &x); err != nil {
		return "", InvalidArg("input_task", "task %q returned %s, not a JSON object naming an output", inputTask, cut(string(raw), 80))
	}
	key, uri := x.Key, x.URI
	if x.Output != nil {
		key, uri = x.Output.Key, x.Output.URI
	}
	ref := key
	if ref == "" {
		ref = uri
	}
	if ref == "" {
		return "", noInput("input_task", "the XCom of task %q names no output key or uri", inputTask)
	}
	k, err := t.Lake.refKey(ref)
	if err != nil {
		return "", InvalidArg("input_task", "the XCom of task %q: %v", inputTask, err)
	}
	return k, nil
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
