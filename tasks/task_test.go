package tasks_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

func TestDecodeArgs(t *testing.T) {
	t.Parallel()
	type args struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	tests := []struct {
		name    string
		raw     string
		want    args
		message string // when set, the error wraps ErrInvalidArgs and says this
	}{
		{name: "object", raw: `{"name":"a","count":2}`, want: args{Name: "a", Count: 2}},
		{name: "empty", raw: ``, want: args{Name: "preset"}},
		{name: "null", raw: `null`, want: args{Name: "preset"}},
		{name: "unknown field", raw: `{"nmae":"a"}`, message: `scrape arguments: json: unknown field "nmae"`},
		{name: "wrong type", raw: `{"count":"two"}`, message: `argument "count": want int, got JSON string`},
		{name: "array", raw: `[1,2]`, message: "scrape arguments must be a JSON object, got JSON array"},
		{name: "string", raw: `"x"`, message: "scrape arguments must be a JSON object, got JSON string"},
		{name: "number", raw: `3`, message: "scrape arguments must be a JSON object, got JSON number"},
		{name: "trailing data", raw: `{"name": "a"} junk`, message: "scrape arguments: trailing data after the JSON object"},
		{name: "syntax", raw: `{"name":`, message: "scrape arguments: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := args{Name: "preset"}
			err := tasks.DecodeArgs(&tasks.Task{Type: "scrape", Args: json.RawMessage(tc.raw)}, &got)
			if tc.message == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			require.ErrorIs(t, err, tasks.ErrInvalidArgs)
			require.True(t, tasks.IsPermanent(err))
			require.ErrorContains(t, err, tc.message)
			require.NotContains(t, err.Error(), `argument ""`)
		})
	}
}

func TestIntArg(t *testing.T) {
	t.Parallel()
	ptr := func(v int) *int { return &v }
	tests := []struct {
		name    string
		v       *int
		want    int
		message string
	}{
		{name: "default", v: nil, want: 7},
		{name: "high bound", v: ptr(10), want: 10},
		{name: "zero given is not the default", v: ptr(0), want: 0},
		{name: "below", v: ptr(-1), message: `argument "depth": -1 is outside 0..10`},
		{name: "above", v: ptr(11), message: `argument "depth": 11 is outside 0..10`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tasks.IntArg("depth", tc.v, 7, 0, 10)
			if tc.message == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			require.ErrorIs(t, err, tasks.ErrInvalidArgs)
			require.ErrorContains(t, err, tc.message)
		})
	}
	big := int64(1 << 40)
	_, err := tasks.IntArg("bytes", &big, 1, 1, 1<<30)
	require.ErrorContains(t, err, `argument "bytes": 1099511627776 is outside 1..1073741824`)
}
