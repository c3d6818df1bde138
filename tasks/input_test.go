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
		{name: "xcom not an object", inputTask: "scrape", xcom: xcom(`"` + strings.Repeat("é", 100) + `"`), arg: "input_task", message: "not a JSON object naming an output"},
		{name: "xcom names nothing", inputTask: "scrape", xcom: xcom(`{"output":{"size":3}}`), arg: "input_task", message: "names no output key or uri", noInput: true},
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
