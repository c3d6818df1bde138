package hftok

import "fmt"

// wordLevel maps each piece to its vocabulary id, or to unk_token.
type wordLevel struct {
	vocab  map[string]uint32
	size   int
	unk    string
	unkID  uint32
	hasUnk bool
}

func newWordLevel(vocab map[string]uint32, unk string) *wordLevel {
	w := &wordLevel{vocab: vocab, size: vocabLen(vocab), unk: unk}
	w.unkID, w.hasUnk = vocab[unk]
	return w
}

func (w *wordLevel) vocabSize() int { return w.size }

func (w *wordLevel) tokenToID(tok string) (uint32, bool) {
	id, ok := w.vocab[tok]
	return id, ok
}

func (w *wordLevel) tokenize(s string, out []uint32) ([]uint32, error) {
	if id, ok := w.vocab[s]; ok {
		return append(out, id), nil
	}
	if !w.hasUnk {
		return out, fmt.Errorf("%w: WordLevel unk_token %q is not in the vocabulary", ErrInvalid, w.unk)
	}
	return append(out, w.unkID), nil
}
