package onnxgen

import (
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
)

// This file runs the pipeline of the generated tokenizer.json (see
// TokenizerJSON) so the generator can build and check the demo vocabulary:
// normalise and split into words with the project's tokenizer, WordPiece.

// maxWordChars is the WordPiece model's max_input_chars_per_word: a longer
// word becomes [UNK].
const maxWordChars = 100

// continuation is the WordPiece prefix of a piece inside a word.
const continuation = "##"

// NormalizeText is what the generated normaliser does to a whole text:
// BertNormalizer (drop control characters, whitespace to spaces, spaces
// around Han ideographs, lowercase), then NFD and StripAccents. The
// project's tokenizer runs it, so the vocabulary is built from exactly what
// tokenization will see.
func NormalizeText(s string) string { return textTokenizer().Normalize(s) }

// PreTokenize splits normalised text into words the way BertPreTokenizer
// does: on whitespace (dropped) and around every punctuation character.
func PreTokenize(s string) []string { return textTokenizer().PreTokenize(s) }

// textTokenizer is the generated tokenizer.json's normaliser and
// pre-tokenizer (over a vocabulary of the special tokens only).
var textTokenizer = sync.OnceValue(func() *hftok.Tokenizer {
	v := &Vocab{ids: map[string]int{}}
	for _, t := range specialTokens {
		v.add(t)
	}
	tk, err := hftok.Load(TokenizerJSON(v))
	if err != nil {
		panic(fmt.Sprintf("onnxgen: the generated tokenizer.json does not load: %v", err)) // a bug in this generator
	}
	return tk
})

// WordPiece splits one word into the longest vocabulary pieces from the
// left ("##" marks pieces inside the word); a word with a part no piece
// matches, or longer than maxWordChars, is [UNK].
func (v *Vocab) WordPiece(word string) []string {
	if utf8.RuneCountInString(word) > maxWordChars {
		return []string{"[UNK]"}
	}
	var out []string
	for start := 0; start < len(word); {
		end := len(word)
		piece := ""
		for end > start {
			cand := word[start:end]
			if start > 0 {
				cand = continuation + cand
			}
			if _, ok := v.ids[cand]; ok {
				piece = cand
				break
			}
			_, size := utf8.DecodeLastRuneInString(word[start:end])
			end -= size
		}
		if piece == "" {
			return []string{"[UNK]"}
		}
		out = append(out, piece)
		start = end
	}
	return out
}

// Tokenize is the whole pipeline without the [CLS]/[SEP] template: the
// tokens the generated tokenizer.json gives text.
func (v *Vocab) Tokenize(text string) []string {
	var out []string
	for _, w := range PreTokenize(NormalizeText(text)) {
		out = append(out, v.WordPiece(w)...)
	}
	return out
}

// isHan reports the CJK ideographs BertNormalizer puts spaces around (not
// kana or hangul).
func isHan(r rune) bool { return hftok.IsChineseChar(r) }

func isWhitespace(r rune) bool { return r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r) }

func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co)
}

// isPunct is BertPreTokenizer's punctuation: ASCII punctuation and symbols,
// and every Unicode punctuation character.
func isPunct(r rune) bool {
	if r < 0x80 {
		return r > ' ' && r < 0x7F && !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	}
	return unicode.IsPunct(r)
}
