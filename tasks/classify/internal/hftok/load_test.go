package hftok

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// minimal builds a tokenizer.json around the given component JSON.
func minimal(normalizer, pre, post, model string) []byte {
	if model == "" {
		model = `{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{"[UNK]":0,"a":1,"##b":2}}`
	}
	or := func(s string) string {
		if s == "" {
			return "null"
		}
		return s
	}
	return []byte(`{"version":"1.0","added_tokens":[],"normalizer":` + or(normalizer) + `,"pre_tokenizer":` + or(pre) +
		`,"post_processor":` + or(post) + `,"model":` + model + `}`)
}

func TestLoadRefusesUnsupported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, json, wantInErr string
	}{
		{"unknown normalizer", string(minimal(`{"type":"Fancy"}`, "", "", "")), `normalizer "Fancy"`},
		{"lookahead regex", string(minimal(`{"type":"Replace","pattern":{"Regex":"a(?=b)"},"content":"x"}`, "", "", "")), `normalizer "Replace"`},
		{"word boundary", string(minimal("", `{"type":"Split","pattern":{"Regex":"\\bx"},"behavior":"Isolated","invert":false}`, "", "")), `pre_tokenizer "Split"`},
		{"backreference", string(minimal("", `{"type":"Split","pattern":{"Regex":"(a)\\1"},"behavior":"Isolated","invert":false}`, "", "")), `pre_tokenizer "Split"`},
		{"unicode scripts", string(minimal("", `{"type":"UnicodeScripts"}`, "", "")), `pre_tokenizer "UnicodeScripts"`},
		{"nested in sequence", string(minimal(`{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Mystery"}]}`, "", "", "")), `normalizer "Mystery"`},
		{"unknown behavior", string(minimal("", `{"type":"Split","pattern":{"String":"x"},"behavior":"Sideways","invert":false}`, "", "")), `pre_tokenizer "Split"`},
		{"unknown post", string(minimal("", "", `{"type":"Hyper"}`, "")), `post_processor "Hyper"`},
		{"bpe dropout", string(minimal("", "", "", `{"type":"BPE","dropout":0.1,"vocab":{"a":0},"merges":[]}`)), `model "BPE"`},
		{"unknown model", string(minimal("", "", "", `{"type":"Neural","vocab":{}}`)), `model "Neural"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load([]byte(tc.json))
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrUnsupported), "want ErrUnsupported, got %v", err)
			require.Contains(t, err.Error(), tc.wantInErr)
		})
	}
}

func TestLoadRejectsInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, json string }{
		{"not json", "{"},
		{"no model", `{"normalizer":null}`},
		{"bad charsmap", string(minimal(`{"type":"Precompiled","precompiled_charsmap":"AAAA"}`, "", "", ""))},
		{"short charsmap", string(minimal(`{"type":"Precompiled","precompiled_charsmap":"AA=="}`, "", "", ""))},
		{"wordpiece without unk", string(minimal("", "", "", `{"type":"WordPiece","unk_token":"[UNK]","vocab":{"a":0}}`))},
		{"merge out of vocab", string(minimal("", "", "", `{"type":"BPE","vocab":{"a":0},"merges":["a b"]}`))},
		{"unigram unk out of range", string(minimal("", "", "", `{"type":"Unigram","unk_id":5,"vocab":[["a",-1.0]]}`))},
		{"template without special", string(minimal("", "", `{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[X]","type_id":0}}],"pair":[],"special_tokens":{}}`, ""))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load([]byte(tc.json))
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrInvalid), "want ErrInvalid, got %v", err)
		})
	}
}

// TestAddedMatchesGolden checks Added against Python: the ids the template
// adds are the difference between encode with and without special tokens.
func TestAddedMatchesGolden(t *testing.T) {
	t.Parallel()
	corpus := loadCorpus(t)
	for _, f := range fixtureFiles(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			p, err := LoadProcessor(data)
			require.NoError(t, err)
			g := readGolden(t, filepath.Join("testdata", "golden", name+".json"))
			for i, c := range g.Cases {
				full := c.Encodings[0]
				require.Zero(t, full.MaxLen)
				pair := corpus[i].Pair != nil
				want := len(full.IDs) - len(c.Raw) - len(c.RawPair)
				require.Equal(t, want, p.Added(pair), "case %s", c.ID)
			}
		})
	}
}

func TestProcessWithoutPostProcessor(t *testing.T) {
	t.Parallel()
	p, err := LoadProcessor([]byte(`{"post_processor":null}`))
	require.NoError(t, err)
	require.Zero(t, p.Added(true))
	a, b := []uint32{5, 6, 7}, []uint32{8, 9}
	e := p.Process(a, b, 4)
	require.Equal(t, append(append([]uint32{}, a[:2]...), b[:2]...), e.IDs)
	require.Equal(t, []uint32{0, 0, 1, 1}, e.TypeIDs)
	require.Equal(t, []uint32{1, 1, 1, 1}, e.AttentionMask)
	require.Equal(t, a, p.Process(a, nil, 0).IDs)
}
