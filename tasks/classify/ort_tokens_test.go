//go:build ORT

package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
	"github.com/dagworker/dagworker/tasks/classify/internal/hftok/hftoktest"
)

// TestORTTokenizerMatchesGoldens checks the ORT path's tokenization (the
// Rust tokenizer for raw ids, hftok's Processor for truncation and special
// tokens) against the Python goldens of every tokenizer fixture: every id
// of every corpus text, single and pair, at every length.
func TestORTTokenizerMatchesGoldens(t *testing.T) {
	t.Parallel()
	td := filepath.Join("internal", "hftok", "testdata")
	entries, err := hftoktest.ReadCorpus(filepath.Join(td, "corpus.jsonl"))
	require.NoError(t, err)
	corpus := map[string]hftoktest.Entry{}
	for _, e := range entries {
		corpus[e.ID] = e
	}
	files, err := filepath.Glob(filepath.Join(td, "golden", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 3)
	eng := &ortEngine{}
	checked := 0
	for _, golden := range files {
		name := filepath.Base(golden)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			tkJSON, err := os.ReadFile(filepath.Join(td, "tokenizers", name))
			require.NoError(t, err)
			tok, err := eng.newTokenizer(tkJSON)
			require.NoError(t, err)
			defer tok.close()
			proc, err := hftok.LoadProcessor(tkJSON)
			require.NoError(t, err)
			g, err := hftoktest.ReadGolden(golden)
			require.NoError(t, err)
			for _, c := range g.Cases {
				e, ok := corpus[c.ID]
				require.True(t, ok, c.ID)
				raw, err := tok.tokenize(e.Text)
				require.NoError(t, err)
				require.Equal(t, len(c.Raw), len(raw), "%s: %q", c.ID, e.Text)
				if len(c.Raw) > 0 {
					require.Equal(t, c.Raw, raw, "%s: %q", c.ID, e.Text)
				}
				var pair []uint32
				if c.RawPair != nil {
					require.NotNil(t, e.Pair, c.ID)
					pair, err = tok.tokenize(*e.Pair)
					require.NoError(t, err)
					if pair == nil {
						pair = []uint32{}
					}
					require.Equal(t, len(c.RawPair), len(pair), c.ID)
				}
				for _, e := range c.Encodings {
					got := proc.Process(raw, pair, e.MaxLen)
					require.Equal(t, e.IDs, got.IDs, "%s at max_len %d", c.ID, e.MaxLen)
					require.Equal(t, e.TypeIDs, got.TypeIDs, "%s at max_len %d", c.ID, e.MaxLen)
					checked++
				}
			}
		})
	}
	t.Logf("%d encodings checked", checked)
}
