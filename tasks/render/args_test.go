package render

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

func TestArgNamesMatchArgs(t *testing.T) {
	t.Parallel()
	var tags []string
	rt := reflect.TypeOf(Args{})
	for i := range rt.NumField() {
		tags = append(tags, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
	}
	got := ArgNames()
	sort.Strings(tags)
	sort.Strings(got)
	require.Equal(t, tags, got)
}

func TestInvalidArgs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notFont := filepath.Join(dir, "notes.ttf")
	require.NoError(t, os.WriteFile(notFont, []byte("this is not a font at all"), 0o600))
	collection := filepath.Join(dir, "fonts.ttc")
	require.NoError(t, os.WriteFile(collection, append([]byte("ttcf"), make([]byte, 64)...), 0o600))
	cff := filepath.Join(dir, "cff.otf")
	require.NoError(t, os.WriteFile(cff, append([]byte("OTTO"), make([]byte, 64)...), 0o600))
	secret := filepath.Join(t.TempDir(), "secret.ttf")
	require.NoError(t, os.WriteFile(secret, []byte("root:x:0:0:root:/home/nobody:/bin/sh\n"), 0o600))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "link.ttf")))
	// Task fonts are confined to the handler's font folders (here dir).
	h, err := New(Config{FontDirs: []string{dir}, CJKFontCandidates: []string{}})
	require.NoError(t, err)

	tests := []struct {
		name    string
		args    string
		arg     string // the argument the error must name
		message string // and a part of its message
		xcom    bool   // give the task an upstream XCom
	}{
		{name: "unknown argument", args: `{"titel":"x"}`, arg: "titel", message: "unknown field"},
		{name: "title not a string", args: `{"title":42}`, arg: "title", message: "want string"},
		{name: "title too long", args: `{"title":"` + strings.Repeat("é", MaxTitleChars+1) + `"}`, arg: "title", message: "at most 500"},
		{name: "excerpt negative", args: `{"excerpt_chars":-1}`, arg: "excerpt_chars", message: "outside 0..5000"},
		{name: "excerpt too large", args: `{"excerpt_chars":5001}`, arg: "excerpt_chars", message: "outside 0..5000"},
		{name: "excerpt not a number", args: `{"excerpt_chars":"many"}`, arg: "excerpt_chars", message: "want int"},
		{name: "max_pages zero", args: `{"max_pages":0}`, arg: "max_pages", message: "outside 1..1000"},
		{name: "max_pages too large", args: `{"max_pages":1001}`, arg: "max_pages", message: "outside 1..1000"},
		{name: "max_pages fraction", args: `{"max_pages":2.5}`, arg: "max_pages", message: "want int"},
		{name: "input escapes", args: `{"input":"runs/../../etc/passwd"}`, arg: "input", message: "invalid data lake key"},
		{name: "input absolute", args: `{"input":"/etc/passwd"}`, arg: "input", message: "empty part"},
		{name: "input other lake", args: `{"input":"s3://other-bucket/classified.jsonl"}`, arg: "input", message: "not in this data lake"},
		{name: "input control byte", args: `{"input":"runs/a\u0001b/x"}`, arg: "input", message: "invalid data lake key"},
		{name: "input missing object", args: `{"input":"runs/none/classified.jsonl"}`, arg: "input", message: "object not found"},
		{name: "input needed ad hoc", args: `{}`, arg: "input", message: "ad-hoc"},
		{name: "input_task bad", args: `{"input_task":"a/b"}`, arg: "input_task", message: "not a task id", xcom: true},
		{name: "input_task without output", args: `{"input_task":"scrape"}`, arg: "input_task", message: "no JSON object", xcom: true},
		{name: "font missing", args: `{"font":"` + filepath.Join(dir, "absent.ttf") + `"}`, arg: "font", message: "no such file"},
		{name: "font not a font", args: `{"font":"` + notFont + `"}`, arg: "font", message: "not a TrueType font"},
		{name: "font collection", args: `{"font":"` + collection + `"}`, arg: "font", message: "font collection"},
		{name: "cjk_font cff", args: `{"cjk_font":"` + cff + `"}`, arg: "cjk_font", message: "CFF outlines"},
		{name: "cjk_font directory", args: `{"cjk_font":"` + dir + `/."}`, arg: "cjk_font", message: "not a regular file"},
		{name: "font outside the folders", args: `{"font":"/etc/passwd"}`, arg: "font", message: "is not in a font folder"},
		{name: "font escapes by dots", args: `{"font":"../../../../etc/passwd"}`, arg: "font", message: "leaves the font folders"},
		{name: "font escapes absolute dots", args: `{"font":"` + dir + `/../../../../etc/passwd"}`, arg: "font", message: "is not in a font folder"},
		{name: "font outside, not a font", args: `{"font":"` + secret + `"}`, arg: "font", message: "is not in a font folder"},
		{name: "font symlink out", args: `{"font":"link.ttf"}`, arg: "font", message: "escapes"},
		{name: "cjk_font outside the folders", args: `{"cjk_font":"/etc/passwd"}`, arg: "cjk_font", message: "is not in a font folder"},
		{name: "font relative missing", args: `{"font":"absent.ttf"}`, arg: "font", message: "no such file in the font folders"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, h)
			task := b.task(nil, nil)
			task.Args = json.RawMessage(tc.args)
			if tc.xcom {
				task.XCom = func(context.Context, string) (json.RawMessage, error) { return nil, nil }
			}
			_, err := b.h.Run(context.Background(), task)
			require.Error(t, err)
			require.ErrorIs(t, err, tasks.ErrInvalidArgs)
			require.True(t, tasks.IsPermanent(err), "invalid arguments are not retried")
			require.Contains(t, err.Error(), `"`+tc.arg+`"`, "the error names the argument")
			require.Contains(t, err.Error(), tc.message)
			require.NotContains(t, err.Error(), "root:", "an error never shows what a file holds")
		})
	}
}

func TestUpstreamFailuresAreRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	task := b.task(map[string]any{}, nil)
	task.Upstream = []string{"classify"}
	task.XCom = func(context.Context, string) (json.RawMessage, error) {
		return nil, errors.New("redis: connection refused")
	}
	_, err := b.h.Run(context.Background(), task)
	require.ErrorIs(t, err, ErrInput)
	require.False(t, tasks.IsPermanent(err))

	// The upstream output named by the XCom is missing: retried, not permanent.
	task = b.task(map[string]any{}, map[string]any{"output": map[string]any{"key": "runs/x/y/classify/classified.jsonl"}})
	_, err = b.h.Run(context.Background(), task)
	require.ErrorIs(t, err, tasks.ErrNotFound)
	require.False(t, tasks.IsPermanent(err))
}

func TestNewRejectsBadCJKFontPath(t *testing.T) {
	t.Parallel()
	_, err := New(Config{CJKFontPath: filepath.Join(t.TempDir(), "absent.ttf")})
	require.ErrorIs(t, err, ErrFont)
}
