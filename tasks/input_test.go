package tasks_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

func TestResolveInput(t *testing.T) {
	t.Parallel()
	lake, err := tasks.OpenLake(t.Context(), "file://"+t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, lake.Close()) })
	const key = "runs/d/r/scrape/pages.jsonl"
	xcom := func(v string) func(context.Context, string) (json.RawMessage, error) {
		return func(_ context.Context, taskID string) (json.RawMessage, error) {
			if taskID != "scrape" {
				return nil, nil
			}
			return json.RawMessage(v), nil
		}
	}
	tests := []struct {
		name      string
		noLake    bool
		input     string
		inputTask string
		xcom      func(context.Context, string) (json.RawMessage, error)
		want      string
		arg       string // the argument a permanent error names
		message   string // a part of the error message
		noInput   bool   // the error wraps ErrNoInput
		sentinel  error  // a non-argument error wraps it
	}{
		{name: "input key", input: key, want: key},
		{name: "input uri", input: lake.URI(key), want: key},
		{name: "input uri with query", input: lake.URI(key) + "?v=1", want: key},
		{name: "input wins over xcom", input: "a/b", inputTask: "scrape", xcom: xcom(`{"output":{"key":"x/y"}}`), want: "a/b"},
		{name: "xcom output key", inputTask: "scrape", xcom: xcom(`{"output":{"key":"` + key + `","uri":"s3://elsewhere/x"}}`), want: key},
		{name: "xcom output uri", inputTask: "scrape", xcom: xcom(`{"output":{"uri":"` + lake.URI(key) + `"}}`), want: key},
		{name: "xcom bare key", inputTask: "scrape", xcom: xcom(`{"key":"` + key + `","records":3}`), want: key},
		{name: "input escapes", input: "runs/../etc/passwd", arg: "input", message: "invalid data lake key"},
		{name: "input absolute", input: "/etc/passwd", arg: "input", message: "empty part"},
		{name: "input other lake", input: "s3://other/runs/x", arg: "input", message: "not in this data lake"},
		{name: "ad hoc", arg: "input", message: "ad-hoc", noInput: true},
		{name: "xcom null", inputTask: "scrape", xcom: xcom(`null`), arg: "input_task", message: `task "scrape" returned no JSON object`, noInput: true},
		{name: "xcom missing", inputTask: "other", xcom: xcom(`{}`), arg: "input_task", message: `task "other" returned no JSON object`, noInput: true},
		{name: "xcom not an object", inputTask: "scrape", xcom: xcom(`"` + strings.Repeat("é", 100) + `"`), arg: "input_task", message: "returned no JSON object naming an output", noInput: true},
		{name: "xcom names nothing", inputTask: "scrape", xcom: xcom(`{"output":{"size":3}}`), arg: "input_task", message: "returned no JSON object naming an output", noInput: true},
		{name: "xcom key escapes", inputTask: "scrape", xcom: xcom(`{"output":{"key":"../../x"}}`), arg: "input_task", message: "invalid data lake key"},
		{name: "xcom other lake", inputTask: "scrape", xcom: xcom(`{"uri":"s3://other/x"}`), arg: "input_task", message: "not in this data lake"},
		{name: "xcom fails", inputTask: "scrape", message: "connection refused", sentinel: errRefused,
			xcom: func(context.Context, string) (json.RawMessage, error) { return nil, errRefused }},
		{name: "no lake", noLake: true, input: key, sentinel: tasks.ErrNoLake},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			task := &tasks.Task{Type: "t", Lake: lake, XCom: tc.xcom}
			if tc.noLake {
				task.Lake = nil
			}
			got, err := tasks.ResolveInput(t.Context(), task, tc.input, tc.inputTask)
			if tc.want != "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			require.Error(t, err)
			require.Empty(t, got)
			require.Contains(t, err.Error(), tc.message)
			require.Equal(t, tc.noInput, errors.Is(err, tasks.ErrNoInput))
			if tc.sentinel != nil {
				require.ErrorIs(t, err, tc.sentinel)
				require.False(t, tasks.IsPermanent(err), "not the arguments' fault: retried")
				return
			}
			require.ErrorIs(t, err, tasks.ErrInvalidArgs)
			require.Contains(t, err.Error(), `argument "`+tc.arg+`"`)
			require.True(t, utf8.ValidString(err.Error()), "a cut message stays UTF-8")
		})
	}
}

var errRefused = errors.New("redis: connection refused")

// TestResolveInputs reads the outputs of the upstream tasks by default,
// those of the kind asked for, in upstream order, as Airflow's XCom wiring.
func TestResolveInputs(t *testing.T) {
	t.Parallel()
	lake, err := tasks.OpenLake(t.Context(), "file://"+t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, lake.Close()) })
	xcoms := map[string]string{
		"fetch":    `{"output":{"key":"runs/d/r/fetch/pages.jsonl","kind":"pages"}}`,
		"label_a":  `{"output":{"key":"runs/d/r/label_a/classified.jsonl","kind":"classified"}}`,
		"label_b":  `{"output":{"key":"runs/d/r/label_b/classified.jsonl","kind":"classified"}}`,
		"mine":     `{"key":"runs/d/r/mine/out.jsonl"}`,
		"start":    `null`,
		"greeting": `"hello"`,
	}
	xcom := func(_ context.Context, id string) (json.RawMessage, error) { return json.RawMessage(xcoms[id]), nil }
	tests := []struct {
		name       string
		upstream   []string
		inputTasks []string
		kind       string
		want       []string // the tasks whose outputs are read
		message    string
	}{
		{name: "one upstream", upstream: []string{"fetch"}, kind: tasks.KindPages, want: []string{"fetch"}},
		{name: "renamed producer, noop beside it", upstream: []string{"fetch", "start", "greeting"}, kind: tasks.KindPages, want: []string{"fetch"}},
		{name: "fan-in in upstream order", upstream: []string{"fetch", "label_a", "label_b"}, kind: tasks.KindClassified, want: []string{"label_a", "label_b"}},
		{name: "an output without kind is taken", upstream: []string{"mine"}, kind: tasks.KindClassified, want: []string{"mine"}},
		{name: "explicit list", upstream: []string{"label_a", "label_b"}, inputTasks: []string{"label_b"}, kind: tasks.KindClassified, want: []string{"label_b"}},
		{name: "explicit of the wrong kind", upstream: []string{"fetch"}, inputTasks: []string{"fetch"}, kind: tasks.KindClassified, message: `task "fetch" wrote pages, this task reads classified`},
		{name: "no producer of the kind", upstream: []string{"fetch", "start"}, kind: tasks.KindClassified, message: "no upstream task wrote classified output (upstream: fetch, start)"},
		{name: "no upstream", kind: tasks.KindPages, message: "no upstream task to read pages output from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			task := &tasks.Task{Type: "t", Lake: lake, XCom: xcom, Upstream: tc.upstream}
			got, err := tasks.ResolveInputs(t.Context(), task, "", tc.inputTasks, tc.kind)
			if tc.message != "" {
				require.ErrorContains(t, err, tc.message)
				require.ErrorIs(t, err, tasks.ErrInvalidArgs)
				return
			}
			require.NoError(t, err)
			var ids []string
			for _, in := range got {
				ids = append(ids, in.Task)
				require.Contains(t, in.Key, "/"+in.Task+"/")
			}
			require.Equal(t, tc.want, ids)
		})
	}
	// ResolveInput wants exactly one
	task := &tasks.Task{Type: "t", Lake: lake, XCom: xcom, Upstream: []string{"label_a", "label_b"}}
	_, err = tasks.ResolveInput(t.Context(), task, "", "")
	require.ErrorContains(t, err, "several upstream tasks wrote outputs (label_a, label_b): name one")
	key, err := tasks.ResolveInput(t.Context(), task, "", "label_b")
	require.NoError(t, err)
	require.Equal(t, "runs/d/r/label_b/classified.jsonl", key)
}
