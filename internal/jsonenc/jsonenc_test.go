package jsonenc

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStringAndTimeMatchEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `q"uo\te`, "ctl\x00\x1f\n\t", "ü🙂\u2028<&>", "bad\xff\xfe"} {
		var got, want string
		require.NoError(t, json.Unmarshal(String(nil, s), &got), "%q", s)
		b, err := json.Marshal(s)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &want))
		require.Equal(t, want, got, "%q", s)
	}
	for _, tm := range []time.Time{{}, time.Date(2026, 11, 28, 2, 3, 4, 5, time.UTC),
		time.Date(2026, 11, 28, 2, 3, 4, 0, time.FixedZone("x", 3600)), time.UnixMilli(1795000000123)} {
		want, err := json.Marshal(tm)
		require.NoError(t, err)
		require.Equal(t, string(want), string(Time(nil, tm)))
	}
	var back time.Time
	require.NoError(t, json.Unmarshal(Time(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), &back))
	require.True(t, back.IsZero(), "a year encoding/json refuses is written as zero")
}

func FuzzString(f *testing.F) {
	f.Add("a\"b\\c\x00ü")
	f.Fuzz(func(t *testing.T, s string) {
		var got, want string
		require.NoError(t, json.Unmarshal(String(nil, s), &got))
		b, _ := json.Marshal(s)
		require.NoError(t, json.Unmarshal(b, &want))
		require.Equal(t, want, got)
	})
}
