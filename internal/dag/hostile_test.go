package dag

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func billionLaughs() []byte {
	var b strings.Builder
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(n + ": &" + n + " [" + strings.Repeat("*"+prev+",", 8) + "*" + prev + "]\n")
		prev = n
	}
	return []byte(b.String())
}

func TestHostileInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  []byte
		kind error
	}{
		{"billion laughs", billionLaughs(), ErrHostile},
		{"deep flow nesting", []byte("x: " + strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000)), ErrHostile},
		{"deep block sequences", []byte("x:\n" + strings.Repeat("- ", 5000) + "a\n"), ErrHostile},
		{"too large", []byte("x: \"" + strings.Repeat("a", MaxFileSize) + "\"\n"), ErrTooLarge},
		{"python tag", []byte("x: !!python/object:os.system [ls]\n"), ErrSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, _, err := Parse("hostile.yaml", tc.src, Options{})
			require.Error(t, err)
			require.True(t, errors.Is(err, tc.kind), "got %v", err)
			require.Less(t, time.Since(start), 2*time.Second)
		})
	}
}

// TestBillionLaughsMemory measures the memory one rejected alias bomb costs.
// It is not parallel on purpose: runtime.MemStats is process-wide, and
// parallel tests only start once the sequential ones are done.
func TestBillionLaughsMemory(t *testing.T) {
	src := billionLaughs()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, _, err := Parse("bomb.yaml", src, Options{})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrHostile)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("billion laughs rejected in %v, %d KiB allocated", elapsed, allocated/1024)
	require.Less(t, allocated, uint64(8<<20), "an alias bomb must not expand")
	require.Less(t, elapsed, 500*time.Millisecond)
}

func TestAliasesAndMergeKeys(t *testing.T) {
	t.Parallel()
	src := []byte(`
base: &base
  schedule: "@hourly"
  start_date: 2026-01-01
  tasks:
    - task_id: a
      operator: noop
      retries: &r 3
copy:
  <<: *base
  description: merged
  schedule: "@daily"
`)
	dags, _, err := Parse("alias.yaml", src, Options{})
	require.NoError(t, err)
	require.Len(t, dags, 2)
	require.Equal(t, "@daily", dags[1].Schedule.Expr)
	require.Equal(t, "merged", dags[1].Description)
	require.Equal(t, 3, dags[1].Tasks[0].Retries)
}

func TestPrescanQuotes(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 300) + strings.Repeat("]", 300)
	tests := []struct {
		name string
		src  string
		bad  bool
	}{
		{"brackets in a quoted string", `x: "` + deep + `"`, false},
		{"apostrophe in a plain scalar does not hide brackets", "a: don't\nb: " + deep, true},
		{"brackets in a comment", "a: 1 # " + deep, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := prescanDepth("p.yaml", []byte(tc.src))
			require.Equal(t, tc.bad, err != nil, "%v", err)
		})
	}
}
