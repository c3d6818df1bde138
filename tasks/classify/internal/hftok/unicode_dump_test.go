package hftok

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// TestDumpGoClasses writes Go's own view of the character classes for
// scripts/pyref/gen_unicode_tables.py, when HFTOK_DUMP_CLASSES names the
// output file. It is a generator step, not a check.
func TestDumpGoClasses(t *testing.T) {
	path := os.Getenv("HFTOK_DUMP_CLASSES")
	if path == "" {
		t.Skip("HFTOK_DUMP_CLASSES not set (only used to regenerate unicode_ref.go)")
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		var low []string
		for _, l := range string(unicode.ToLower(r)) {
			low = append(low, fmt.Sprintf("%X", l))
		}
		fmt.Fprintf(w, "%X %d %d %d %d %s\n", r, b(baseWord(r)), b(unicode.IsNumber(r)), b(unicode.IsLetter(r)),
			b(unicode.IsNumber(r)), strings.Join(low, "."))
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
}
