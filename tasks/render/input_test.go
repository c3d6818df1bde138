package render

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadInputCaps(t *testing.T) {
	t.Parallel()
	long := `{"url":"https://x.example/","label":"big","text":"` + strings.Repeat("a", maxLineBytes) + `"}`
	tests := []struct {
		name      string
		input     string
		keep      int
		excerpt   int
		wantKept  int
		wantTotal int
		wantBad   int
	}{
		{name: "keeps the first records", input: strings.Repeat(`{"label":"a","score":0.5,"text":"x y z"}`+"\n", 5),
			keep: 2, excerpt: 10, wantKept: 2, wantTotal: 5},
		{name: "overlong line skipped", input: `{"label":"a"}` + "\n" + long + "\n" + `{"label":"b"}`,
			keep: 10, excerpt: 10, wantKept: 2, wantTotal: 2, wantBad: 1},
		{name: "text budget", input: strings.Repeat(`{"label":"a","text":"`+strings.Repeat("word ", 400)+`"}`+"\n", 10),
			keep: 2, excerpt: 2000, wantKept: 1, wantTotal: 10},
		{name: "crlf and no final newline", input: "{\"label\":\"a\"}\r\n{\"label\":\"b\"}", keep: 10, excerpt: 5,
			wantKept: 2, wantTotal: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := readInput(context.Background(), strings.NewReader(tc.input), tc.keep, tc.excerpt)
			require.NoError(t, err)
			require.Len(t, d.items, tc.wantKept)
			require.Equal(t, tc.wantTotal, d.total)
			require.Equal(t, tc.wantBad, d.badLines)
			for _, it := range d.items {
				require.LessOrEqual(t, len([]rune(it.Text)), tc.excerpt+1, "excerpt cut (plus the ellipsis)")
			}
		})
	}
}
