package hftok

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func loadFixture(t testing.TB, path string) *Tokenizer {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	tk, err := Load(data)
	require.NoError(t, err)
	return tk
}

// TestLongText tokenizes 1 MB of corpus text and a 1 MB run of letters
// without spaces with every fixture (256 KB under the race detector).
func TestLongText(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, e := range loadCorpus(t) {
		b.WriteString(e.Text)
		b.WriteByte(' ')
	}
	unit := b.String()
	text := strings.Repeat(unit, longTextBytes/len(unit)+1)
	word := strings.Repeat("abcdefghéxyz", longTextBytes/13)
	for _, f := range fixtureFiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			tk := loadFixture(t, f)
			for _, in := range []string{text, word} {
				start := time.Now()
				ids, err := tk.Tokenize(in)
				require.NoError(t, err)
				require.NotEmpty(t, ids)
				n := uint32(tk.VocabSize())
				require.False(t, slices.ContainsFunc(ids, func(id uint32) bool { return id >= n }))
				t.Logf("%d bytes -> %d ids in %v", len(in), len(ids), time.Since(start))
			}
		})
	}
}

// TestConcurrent runs one Tokenizer from many goroutines and requires the
// same ids as a sequential run.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	corpus := loadCorpus(t)
	for _, f := range fixtureFiles(t) {
		tk := loadFixture(t, f)
		want := make([][]uint32, len(corpus))
		for i, e := range corpus {
			ids, err := tk.Tokenize(e.Text)
			require.NoError(t, err)
			want[i] = ids
		}
		var wg sync.WaitGroup
		errs := make(chan string, 8*len(corpus))
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range corpus {
					j := (i + g) % len(corpus)
					got, err := tk.Tokenize(corpus[j].Text)
					if err != nil || !slices.Equal(got, want[j]) {
						errs <- f + ": " + corpus[j].ID
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("concurrent result differs: %s", e)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	for _, f := range fixtureFiles(t) {
		tk := loadFixture(t, f)
		bad, err := tk.Tokenize("ab\xffcd\xc3")
		require.NoError(t, err)
		good, err := tk.Tokenize("ab\uFFFDcd\uFFFD")
		require.NoError(t, err)
		require.Equal(t, good, bad, f)
	}
}

// BenchmarkTokenize measures the corpus through each fixture.
func BenchmarkTokenize(b *testing.B) {
	corpus := loadCorpus(b)
	bytes := 0
	for _, e := range corpus {
		bytes += len(e.Text)
	}
	for _, f := range fixtureFiles(b) {
		tk := loadFixture(b, f)
		b.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(b *testing.B) {
			b.SetBytes(int64(bytes))
			for b.Loop() {
				for _, e := range corpus {
					if _, err := tk.Tokenize(e.Text); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
