// Package hftoktest reads the differential test data of package hftok: the
// multilingual corpus and the goldens scripts/pyref/tokenize_ref.py writes
// with Python tokenizers, for the tests of both tokenizer paths.
package hftoktest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Entry is one line of testdata/corpus.jsonl: a text, and for the pair
// path a second text.
type Entry struct {
	ID   string  `json:"id"`
	Text string  `json:"text"`
	Pair *string `json:"pair"`
}

// ReadCorpus reads a corpus file.
func ReadCorpus(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Golden is what tokenize_ref.py writes for one tokenizer: per corpus
// entry the raw ids (no special tokens, no truncation) of the text and the
// pair, and the encodings with special tokens at several max lengths.
type Golden struct {
	TokenizersVersion string `json:"tokenizers_version"`
	Cases             []struct {
		ID        string   `json:"id"`
		Raw       []uint32 `json:"raw"`
		RawPair   []uint32 `json:"raw_pair"`
		Encodings []struct {
			MaxLen  int      `json:"max_len"`
			IDs     []uint32 `json:"ids"`
			TypeIDs []uint32 `json:"type_ids"`
		} `json:"encodings"`
	} `json:"cases"`
}

// ReadGolden reads a golden file.
func ReadGolden(path string) (Golden, error) {
	var g Golden
	b, err := os.ReadFile(path)
	if err != nil {
		return g, err
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return g, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}
