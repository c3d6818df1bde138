package hftok

import (
	"fmt"
	"strings"
)

// Tokenizer is a full tokenizer.json on the pure-Go path. Safe for
// concurrent use: nothing in it changes after Load.
type Tokenizer struct {
	norm      normalizer   // nil: none
	pre       preTokenizer // nil: none
	model     model
	rawSet    *addedSet // added tokens with normalized=false
	normSet   *addedSet // added tokens with normalized=true, matched on normalised text
	added     map[string]uint32
	maxAdded  uint32
	processor *Processor
}

// Processor returns the post-processor and truncation part.
func (t *Tokenizer) Processor() *Processor { return t.processor }

// Tokenize returns the ids of text as HF's `encode(text,
// add_special_tokens=False)` does, ignoring the file's own
// truncation/padding blocks. Never panics; invalid UTF-8 is replaced by
// U+FFFD first.
func (t *Tokenizer) Tokenize(text string) (ids []uint32, err error) {
	defer func() {
		if r := recover(); r != nil {
			ids, err = nil, fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	text = strings.ToValidUTF8(text, "\uFFFD")
	out := make([]uint32, 0, len(text)/3+1)
	for _, sp := range t.rawSet.splitAdded(text) {
		if sp.token {
			out = append(out, sp.id)
			continue
		}
		if sp.s == "" {
			continue
		}
		s := sp.s
		if t.norm != nil {
			s = t.norm.normalize(s)
		}
		for _, sp2 := range t.normSet.splitAdded(s) {
			if sp2.token {
				out = append(out, sp2.id)
				continue
			}
			if sp2.s == "" {
				continue
			}
			ps := []piece{{s: sp2.s, first: sp.start == 0 && sp2.start == 0}}
			if t.pre != nil {
				ps = t.pre.preTokenize(ps)
			}
			for _, p := range ps {
				if p.s == "" {
					continue
				}
				if out, err = t.model.tokenize(p.s, out); err != nil {
					return nil, fmt.Errorf("tokenize: %w", err)
				}
			}
		}
	}
	return out, nil
}

// Encode = Tokenize(a) [, Tokenize(b)] + Processor().Process(..., maxLen).
func (t *Tokenizer) Encode(a string, b *string, maxLen int) (Encoding, error) {
	ia, err := t.Tokenize(a)
	if err != nil {
		return Encoding{}, err
	}
	var ib []uint32
	if b != nil {
		if ib, err = t.Tokenize(*b); err != nil {
			return Encoding{}, err
		}
		if ib == nil {
			ib = []uint32{}
		}
	}
	return t.processor.Process(ia, ib, maxLen), nil
}

// TokenID returns the id of a token of the vocabulary or an added token.
func (t *Tokenizer) TokenID(token string) (uint32, bool) {
	if id, ok := t.added[token]; ok {
		return id, true
	}
	return t.model.tokenToID(token)
}

// VocabSize returns the number of ids the tokenizer can produce (the
// model's vocabulary and the added tokens).
func (t *Tokenizer) VocabSize() int {
	n := t.model.vocabSize()
	if len(t.added) > 0 && int(t.maxAdded)+1 > n {
		n = int(t.maxAdded) + 1
	}
	return n
}

// Normalize returns text as the tokenizer's normalizer leaves it, as
// Hugging Face's normalizer.normalize_str does (unchanged without one).
func (t *Tokenizer) Normalize(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	if t.norm == nil {
		return text
	}
	return t.norm.normalize(text)
}

// PreTokenize returns the words the pre-tokenizer cuts an already
// normalised text into, as pre_tokenizer.pre_tokenize_str does (the whole
// text without a pre-tokenizer; added tokens are not split out).
func (t *Tokenizer) PreTokenize(normalized string) []string {
	ps := []piece{{s: strings.ToValidUTF8(normalized, "\uFFFD"), first: true}}
	if t.pre != nil {
		ps = t.pre.preTokenize(ps)
	}
	words := make([]string, 0, len(ps))
	for _, p := range ps {
		if p.s != "" {
			words = append(words, p.s)
		}
	}
	return words
}
