package dag

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// manyKeys is a DAG whose params mapping has n keys (a flow mapping when
// flow), or maps mappings of n keys each.
func manyKeys(n, maps int, flow bool) []byte {
	var b strings.Builder
	b.WriteString("x:\n  params:\n")
	for j := range maps {
		if flow {
			fmt.Fprintf(&b, "    m%d: {", j)
			for i := range n {
				fmt.Fprintf(&b, "k%d: %d, ", i, i)
			}
			b.WriteString("z: 0}\n")
			continue
		}
		fmt.Fprintf(&b, "    m%d:\n", j)
		for i := range n {
			fmt.Fprintf(&b, "      k%d: %d\n", i, i)
		}
	}
	b.WriteString("  tasks:\n    - {task_id: a, operator: noop}\n")
	return []byte(b.String())
}

// TestWorkIsBounded: files under the byte cap whose parsing would take
// long (one mapping with very many keys, very many tokens) are refused with
// a clear error before the YAML parser runs; just under the caps they load.
func TestWorkIsBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  []byte
		msg  string // "" when the file loads
	}{
		{"keys at the cap", manyKeys(MaxKeys, 1, false), ""},
		{"one key too many", manyKeys(MaxKeys+1, 1, false), fmt.Sprintf("a mapping with more than %d keys", MaxKeys)},
		{"flow keys at the cap", manyKeys(MaxKeys-1, 1, true), ""},
		{"one flow key too many", manyKeys(MaxKeys, 1, true), fmt.Sprintf("a mapping with more than %d keys", MaxKeys)},
		{"too many tokens", manyKeys(MaxKeys-1, 6, false), fmt.Sprintf("more than the %d limit", MaxTokens)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Less(t, len(tc.src), MaxFileSize)
			_, _, err := Parse("big.yaml", tc.src, testOptions())
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrTooLarge)
			require.ErrorContains(t, err, "big.yaml")
			require.ErrorContains(t, err, tc.msg)
		})
	}
}

// BenchmarkWorstAcceptedFiles times the slowest files the loader accepts
// (the goal: each under a second): the largest mapping, and the most
// tokens spread over mappings at the key cap.
func BenchmarkWorstAcceptedFiles(b *testing.B) {
	for _, c := range []struct {
		name string
		src  []byte
	}{
		{"one_mapping_at_the_key_cap", manyKeys(MaxKeys-1, 1, false)},
		{"mappings_up_to_the_token_cap", manyKeys(MaxKeys, MaxTokens/(3*MaxKeys)-1, false)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				if _, _, err := Parse("big.yaml", c.src, testOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
