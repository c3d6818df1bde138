package classify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/dagworker/dagworker/tasks"
)

// inputKey returns the lake key of the JSONL to classify: the "input"
// argument (a key, or a URI inside this lake), else the output named by the
// XCom of the upstream task input_task: {"output": {"key": ...}} or a bare
// {"key": ...}.
func inputKey(ctx context.Context, t *tasks.Task, a Args) (string, error) {
	if a.Input != "" {
		return lakeKey(t.Lake, a.Input)
	}
	if t.XCom == nil {
		return "", tasks.InvalidArg("input", "required when the task has no upstream tasks (%v)", ErrNoInput)
	}
	raw, err := t.XCom(ctx, a.InputTask)
	if err != nil {
		return "", fmt.Errorf("xcom of %q: %w", a.InputTask, err)
	}
	if len(raw) == 0 || string(raw) == "null" {
		return "", tasks.InvalidArg("input_task", "task %q returned no output (%v)", a.InputTask, ErrNoInput)
	}
	var x struct {
		Output *struct {
			Key string `json:"key"`
			URI string `json:"uri"`
		} `json:"output"`
		Key string `json:"key"`
		URI string `json:"uri"`
	}
	if err := json.Unmarshal(raw, &x); err != nil {
		return "", tasks.InvalidArg("input_task", "task %q returned %s, not an output description", a.InputTask, truncate(string(raw), 80))
	}
	key, uri := x.Key, x.URI
	if x.Output != nil {
		key, uri = x.Output.Key, x.Output.URI
	}
	switch {
	case key != "":
		return lakeKey(t.Lake, key)
	case uri != "":
		return lakeKey(t.Lake, uri)
	}
	return "", tasks.InvalidArg("input_task", "task %q returned no output key (%v)", a.InputTask, ErrNoInput)
}

// lakeKey validates a key or turns a URI of this lake into its key.
func lakeKey(l *tasks.Lake, ref string) (string, error) {
	key := ref
	if strings.Contains(ref, "://") {
		base := strings.TrimSuffix(l.URI("x"), "x")
		u, err := url.Parse(ref)
		if err != nil || !strings.HasPrefix(ref, base) {
			return "", tasks.InvalidArg("input", "%q is not in the data lake %s", ref, base)
		}
		key = strings.TrimPrefix(ref, base)
		if u.RawQuery != "" {
			key = strings.SplitN(key, "?", 2)[0]
		}
	}
	parts := strings.Split(key, "/")
	k, err := tasks.JoinKey(parts...)
	if err != nil {
		return "", tasks.InvalidArg("input", "%v", err)
	}
	return k, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
