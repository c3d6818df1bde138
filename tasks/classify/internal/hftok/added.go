package hftok

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// addedToken is one entry of tokenizer.json's added_tokens.
type addedToken struct {
	id                         uint32
	content                    string
	singleWord, lstrip, rstrip bool
	normalized, special        bool
}

// addedSet finds added tokens in text, leftmost-longest, non-overlapping,
// as the Rust AddedVocabulary's Aho-Corasick automaton does.
type addedSet struct {
	trie   *byteTrie
	tokens []addedToken // indexed by the trie's stored id
}

func newAddedSet(tokens []addedToken, pattern func(addedToken) string) *addedSet {
	if len(tokens) == 0 {
		return nil
	}
	s := &addedSet{trie: newByteTrie(), tokens: tokens}
	ids := make(map[string]uint32, len(tokens))
	for i, t := range tokens {
		p := pattern(t)
		if p == "" {
			continue
		}
		if _, dup := ids[p]; dup {
			continue
		}
		s.trie.insert(p)
		ids[p] = uint32(i)
	}
	if len(ids) == 0 {
		return nil
	}
	s.trie.finalize(ids)
	return s
}

// longestAt returns the length of the longest pattern at the start of s.
func (a *addedSet) longestAt(s string) (int, uint32) {
	best, id := 0, uint32(0)
	a.trie.prefixes(s, func(length int, i uint32) {
		best, id = length, i
	})
	return best, id
}

// split is one result of splitAdded: a run of text, or an added token.
type split struct {
	s     string
	start int // byte offset in the input of splitAdded
	id    uint32
	token bool
}

// splitAdded cuts s into text runs and added tokens (find_matches in Rust).
func (a *addedSet) splitAdded(s string) []split {
	if a == nil || s == "" {
		return []split{{s: s}}
	}
	var out []split
	startOffset := 0
	for i := 0; i < len(s); {
		n, idx := a.longestAt(s[i:])
		if n == 0 {
			i++
			continue
		}
		start, stop := i, i+n
		i = stop
		t := a.tokens[idx]
		if t.singleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := stop == len(s) || !startsWithWord(s[stop:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if t.lstrip {
			ns := len(strings.TrimRightFunc(s[:start], unicode.IsSpace))
			start = max(ns, startOffset)
		}
		if t.rstrip {
			stop += len(s[stop:]) - len(strings.TrimLeftFunc(s[stop:], unicode.IsSpace))
		}
		if startOffset < start {
			out = append(out, split{s: s[startOffset:start], start: startOffset})
		}
		if stop > len(s) {
			stop = len(s)
		}
		out = append(out, split{s: s[start:stop], start: start, id: t.id, token: true})
		startOffset = stop
	}
	if startOffset < len(s) {
		out = append(out, split{s: s[startOffset:], start: startOffset})
	}
	return out
}

func endsWithWord(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	return n > 0 && isRustWord(r)
}

func startsWithWord(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n > 0 && isRustWord(r)
}
