package hftok

import (
	"fmt"
	"unicode/utf8"
)

// wordPiece is greedy longest-match-first WordPiece.
type wordPiece struct {
	vocab    map[string]uint32
	size     int
	unkID    uint32
	prefix   string
	maxChars int
	maxKey   int // longest vocabulary key in bytes: no longer substring can match
}

func newWordPiece(vocab map[string]uint32, unk, prefix string, maxChars int) (*wordPiece, error) {
	unkID, ok := vocab[unk]
	if !ok {
		return nil, fmt.Errorf("%w: WordPiece unk_token %q is not in the vocabulary", ErrInvalid, unk)
	}
	w := &wordPiece{vocab: vocab, size: vocabLen(vocab), unkID: unkID, prefix: prefix, maxChars: maxChars}
	for k := range vocab {
		w.maxKey = max(w.maxKey, len(k))
	}
	return w, nil
}

func (w *wordPiece) vocabSize() int { return w.size }

func (w *wordPiece) tokenToID(tok string) (uint32, bool) {
	id, ok := w.vocab[tok]
	return id, ok
}

func (w *wordPiece) tokenize(s string, out []uint32) ([]uint32, error) {
	if utf8.RuneCountInString(s) > w.maxChars {
		return append(out, w.unkID), nil
	}
	mark := len(out)
	buf := make([]byte, 0, len(w.prefix)+len(s))
	for start := 0; start < len(s); {
		end := min(len(s), start+w.maxKey)
		for end < len(s) && !utf8.RuneStart(s[end]) {
			end--
		}
		found := false
		var id uint32
		for start < end {
			buf = buf[:0]
			if start > 0 {
				buf = append(buf, w.prefix...)
			}
			buf = append(buf, s[start:end]...)
			if v, ok := w.vocab[string(buf)]; ok {
				id, found = v, true
				break
			}
			// step back one character
			_, n := utf8.DecodeLastRuneInString(s[start:end])
			end -= n
		}
		if !found {
			return append(out[:mark], w.unkID), nil
		}
		out = append(out, id)
		start = end
	}
	return out, nil
}

// vocabLen is the number of ids a vocabulary spans (max id + 1).
func vocabLen(vocab map[string]uint32) int {
	n := 0
	for _, id := range vocab {
		if int(id)+1 > n {
			n = int(id) + 1
		}
	}
	return n
}
