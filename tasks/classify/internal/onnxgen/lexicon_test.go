package onnxgen

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// TestLexiconConsistent: every entry normalises to a token, and no token is
// listed with two polarities (across languages too: the vocabulary is
// shared).
func TestLexiconConsistent(t *testing.T) {
	t.Parallel()
	polarity := map[string]lexiconEntry{}
	langs := map[string]bool{}
	for _, e := range lexiconEntries() {
		langs[e.lang] = true
		require.NotEmpty(t, strings.TrimPrefix(e.token, continuation), "%s %q", e.lang, e.written)
		require.Equal(t, e.token, strings.TrimSpace(e.token), "%s %q has spaces", e.lang, e.written)
		if prev, ok := polarity[e.token]; ok {
			require.Equal(t, prev.polarity, e.polarity, "%q is %s %q and %s %q", e.token, prev.lang, prev.written, e.lang, e.written)
		}
		polarity[e.token] = e
	}
	require.Len(t, langs, len(lexicon()), "every language has entries")
}

// TestLexiconWordsTokenizeWithoutUNK: every lexicon word, as written,
// tokenizes without [UNK] into exactly one opinion token of its polarity
// (or none for neutral words); kana entries are also found inside a run of
// kana, and "##" entries are continuation pieces with their polarity.
func TestLexiconWordsTokenizeWithoutUNK(t *testing.T) {
	t.Parallel()
	sv := BuildSentimentVocab()
	for _, l := range lexicon() {
		for _, list := range []struct {
			words    []string
			polarity float32
		}{{l.positive, 1}, {l.negative, -1}, {l.neutral, 0}} {
			for _, w := range list.words {
				if inner, ok := strings.CutPrefix(w, continuation); ok {
					tok := continuation + Normalize(inner)
					require.Equal(t, list.polarity, sv.Polarity[sv.ID(tok)], "%s %q", l.code, w)
					continue
				}
				toks := sv.Tokenize(w)
				require.NotContains(t, toks, "[UNK]", "%s %q: %v", l.code, w, toks)
				sum, n := sv.Score(w)
				require.Equal(t, list.polarity, sum, "%s %q: %s", l.code, w, explain(sv, w))
				require.Equal(t, list.polarity != 0, n == 1, "%s %q: %s", l.code, w, explain(sv, w))
				if l.inner && list.polarity != 0 && !hasHan(w) {
					sum, n := sv.Score("は" + w) // after a particle, in the same run
					require.Equal(t, list.polarity, sum, "%s %q inside a run: %s", l.code, w, explain(sv, "は"+w))
					require.Equal(t, 1, n)
				}
			}
		}
	}
}

// TestFixtureWordsKeepTheirPolarity: the test models' older lexicon reads
// the same on the demo model.
func TestFixtureWordsKeepTheirPolarity(t *testing.T) {
	t.Parallel()
	sv := BuildSentimentVocab()
	for _, list := range []struct {
		words []string
		sign  float32
	}{{positiveWords, 1}, {negativeWords, -1}} {
		for _, w := range list.words {
			sum, _ := sv.Score(w)
			require.Equal(t, list.sign, sum, "%q: %s", w, explain(sv, w))
		}
	}
}

// TestScriptsNeverUNK: every letter of the demo site's scripts has a token
// and a continuation piece, so no word in them is [UNK], whatever its
// letters: all hangul syllables, kana, and Latin, Greek and Cyrillic
// letters.
func TestScriptsNeverUNK(t *testing.T) {
	t.Parallel()
	sv := BuildSentimentVocab()
	ranges := [][2]rune{{0xAC00, 0xD7A3}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x0386, 0x03CE}, {0x0400, 0x045F}, {'a', 'z'}, {0xC0, 0x17F}}
	for _, rg := range ranges {
		for r := rg[0]; r <= rg[1]; r++ {
			if !unicode.IsLetter(r) {
				continue
			}
			word := "x" + string(r) + string(r)
			if toks := sv.Tokenize(word); len(toks) > 0 && strings.Contains(strings.Join(toks, " "), "[UNK]") {
				require.Failf(t, "UNK", "%U in %q: %v", r, word, toks)
			}
		}
	}
}
