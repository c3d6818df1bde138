package hftok

import (
	"container/heap"
	"fmt"
	"unicode/utf8"
)

type pairKey struct{ a, b uint32 }

type mergeVal struct{ rank, id uint32 }

// bpe is byte-pair encoding with Hugging Face's options (dropout unset).
type bpe struct {
	vocab        map[string]uint32
	size         int
	merges       map[pairKey]mergeVal
	unk          string
	unkID        uint32
	hasUnk       bool
	prefix       string
	suffix       string
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool
	byteIDs      [256]uint32
	byteOK       [256]bool
}

type bpeConfig struct {
	vocab                     map[string]uint32
	merges                    [][2]string
	unk, prefix, suffix       string
	hasUnk                    bool
	fuseUnk, byteFallback, im bool
}

func newBPE(c bpeConfig) (*bpe, error) {
	m := &bpe{
		vocab: c.vocab, size: vocabLen(c.vocab), merges: make(map[pairKey]mergeVal, len(c.merges)),
		unk: c.unk, hasUnk: c.hasUnk, prefix: c.prefix, suffix: c.suffix,
		fuseUnk: c.fuseUnk, byteFallback: c.byteFallback, ignoreMerges: c.im,
	}
	if c.hasUnk {
		// A missing unk token is an error only when it is needed, as in Rust.
		m.unkID, m.hasUnk = c.vocab[c.unk]
		if !m.hasUnk {
			return nil, fmt.Errorf("%w: BPE unk_token %q is not in the vocabulary", ErrUnsupported, c.unk)
		}
	}
	for i, mg := range c.merges {
		a, okA := c.vocab[mg[0]]
		b, okB := c.vocab[mg[1]]
		if !okA || !okB {
			return nil, fmt.Errorf("%w: BPE merge %d (%q %q) has a token out of the vocabulary", ErrInvalid, i, mg[0], mg[1])
		}
		right := mg[1]
		if len(m.prefix) <= len(right) {
			right = right[len(m.prefix):]
		} else {
			return nil, fmt.Errorf("%w: BPE merge %d (%q %q) is shorter than the prefix", ErrInvalid, i, mg[0], mg[1])
		}
		id, ok := c.vocab[mg[0]+right]
		if !ok {
			return nil, fmt.Errorf("%w: BPE merge %d (%q %q) makes a token out of the vocabulary", ErrInvalid, i, mg[0], mg[1])
		}
		k := pairKey{a, b}
		if _, dup := m.merges[k]; !dup {
			m.merges[k] = mergeVal{rank: uint32(i), id: id}
		} else {
			// Rust collects into a map: the last merge of a pair wins.
			m.merges[k] = mergeVal{rank: uint32(i), id: id}
		}
	}
	for b := 0; b < 256; b++ {
		m.byteIDs[b], m.byteOK[b] = c.vocab[fmt.Sprintf("<0x%02X>", b)]
	}
	return m, nil
}

func (m *bpe) vocabSize() int { return m.size }

func (m *bpe) tokenToID(tok string) (uint32, bool) {
	id, ok := m.vocab[tok]
	return id, ok
}

type symbol struct {
	id         uint32
	prev, next int
	dead       bool
}

func (m *bpe) tokenize(s string, out []uint32) ([]uint32, error) {
	if s == "" {
		return out, nil
	}
	if m.ignoreMerges {
		if id, ok := m.vocab[s]; ok {
			return append(out, id), nil
		}
	}
	syms := make([]symbol, 0, len(s))
	add := func(id uint32) {
		syms = append(syms, symbol{id: id, prev: len(syms) - 1, next: len(syms) + 1})
	}
	var pendingUnk bool
	buf := make([]byte, 0, 16)
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, m.prefix...)
		}
		buf = append(buf, s[i:i+n]...)
		if i+n == len(s) {
			buf = append(buf, m.suffix...)
		}
		i += n
		if id, ok := m.vocab[string(buf)]; ok {
			if pendingUnk {
				add(m.unkID)
				pendingUnk = false
			}
			add(id)
			continue
		}
		if m.byteFallback && m.allBytes(buf) {
			for _, c := range buf {
				add(m.byteIDs[c])
			}
			continue
		}
		if m.hasUnk {
			if pendingUnk && !m.fuseUnk {
				add(m.unkID)
			}
			pendingUnk = true
		}
	}
	if pendingUnk {
		add(m.unkID)
	}
	if len(syms) == 0 {
		return out, nil
	}
	syms[len(syms)-1].next = -1
	m.mergeAll(syms)
	for i := 0; i >= 0 && i < len(syms); i = syms[i].next {
		out = append(out, syms[i].id)
	}
	return out, nil
}

func (m *bpe) allBytes(b []byte) bool {
	for _, c := range b {
		if !m.byteOK[c] {
			return false
		}
	}
	return true
}

type mergeItem struct {
	pos         int
	rank, newID uint32
}

type mergeHeap []mergeItem

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].pos < h[j].pos
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeAll applies merges lowest rank first (leftmost on ties), as the
// Rust Word::merge_all does with its priority queue.
func (m *bpe) mergeAll(syms []symbol) {
	h := make(mergeHeap, 0, len(syms))
	for i := 0; i+1 < len(syms); i++ {
		if v, ok := m.merges[pairKey{syms[i].id, syms[i+1].id}]; ok {
			h = append(h, mergeItem{pos: i, rank: v.rank, newID: v.id})
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		top := heap.Pop(&h).(mergeItem)
		cur := &syms[top.pos]
		if cur.dead || cur.next < 0 {
			continue
		}
		nextPos := cur.next
		right := syms[nextPos]
		v, ok := m.merges[pairKey{cur.id, right.id}]
		if !ok || v.id != top.newID {
			continue
		}
		cur.id = top.newID
		cur.next = right.next
		syms[nextPos].dead = true
		if right.next >= 0 {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if v, ok := m.merges[pairKey{syms[cur.prev].id, cur.id}]; ok {
				heap.Push(&h, mergeItem{pos: cur.prev, rank: v.rank, newID: v.id})
			}
		}
		if cur.next >= 0 {
			if v, ok := m.merges[pairKey{cur.id, syms[cur.next].id}]; ok {
				heap.Push(&h, mergeItem{pos: top.pos, rank: v.rank, newID: v.id})
			}
		}
	}
}
