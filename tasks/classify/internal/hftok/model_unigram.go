package hftok

import (
	"fmt"
	"math"
	"sort"
	"unicode/utf8"
)

// unkPenalty is subtracted from the lowest score to score unknown pieces.
const unkPenalty = 10.0

// unigram is the Unigram model, segmented by Viterbi as the Rust
// Unigram::encode_optimized does.
type unigram struct {
	ids          map[string]uint32
	scores       []float64
	unkID        uint32
	hasUnk       bool
	byteFallback bool
	minScore     float64
	trie         *byteTrie
	byteIDs      [256]uint32
	byteOK       [256]bool
}

func newUnigram(pieces []string, scores []float64, unkID *int, byteFallback bool) (*unigram, error) {
	u := &unigram{ids: make(map[string]uint32, len(pieces)), scores: scores, byteFallback: byteFallback,
		minScore: math.Inf(1), trie: newByteTrie()}
	for i, p := range pieces {
		u.ids[p] = uint32(i)
		u.trie.insert(p)
		if scores[i] < u.minScore {
			u.minScore = scores[i]
		}
	}
	u.trie.finalize(u.ids)
	if unkID != nil {
		if *unkID < 0 || *unkID >= len(pieces) {
			return nil, fmt.Errorf("%w: Unigram unk_id %d out of a vocabulary of %d", ErrInvalid, *unkID, len(pieces))
		}
		u.unkID, u.hasUnk = uint32(*unkID), true
	}
	for b := 0; b < 256; b++ {
		u.byteIDs[b], u.byteOK[b] = u.ids[fmt.Sprintf("<0x%02X>", b)]
	}
	return u, nil
}

func (u *unigram) vocabSize() int { return len(u.scores) }

func (u *unigram) tokenToID(tok string) (uint32, bool) {
	id, ok := u.ids[tok]
	return id, ok
}

type pathNode struct {
	score  float64
	start  int
	id     uint32
	filled bool
}

func (u *unigram) tokenize(s string, out []uint32) ([]uint32, error) {
	if s == "" {
		return out, nil
	}
	unkScore := u.minScore - unkPenalty
	best := make([]pathNode, len(s)+1)
	for start := 0; start < len(s); {
		here := best[start].score
		_, mblen := utf8.DecodeRuneInString(s[start:])
		single := false
		u.trie.prefixes(s[start:], func(length int, id uint32) {
			t := &best[start+length]
			cand := u.scores[id] + here
			if !t.filled || cand > t.score {
				t.score, t.start, t.id, t.filled = cand, start, id, true
			}
			if length == mblen {
				single = true
			}
		})
		if !single {
			if !u.hasUnk {
				return out, fmt.Errorf("%w: Unigram has no unk_id for %q", ErrInvalid, s[start:start+mblen])
			}
			t := &best[start+mblen]
			cand := unkScore + here
			if !t.filled || cand > t.score {
				t.score, t.start, t.id, t.filled = cand, start, u.unkID, true
			}
		}
		start += mblen
	}
	// Walk back, fusing consecutive unknown pieces into one string.
	var strs []string
	fuseEnd := -1
	for end := len(s); end > 0; {
		n := best[end]
		if u.hasUnk && n.id == u.unkID {
			if fuseEnd < 0 {
				fuseEnd = end
			}
		} else {
			if fuseEnd >= 0 {
				strs = append(strs, s[end:fuseEnd])
				fuseEnd = -1
			}
			strs = append(strs, s[n.start:end])
		}
		end = n.start
	}
	if fuseEnd >= 0 {
		strs = append(strs, s[0:fuseEnd])
	}
	for i := len(strs) - 1; i >= 0; i-- {
		str := strs[i]
		if id, ok := u.ids[str]; ok {
			out = append(out, id)
			continue
		}
		if u.byteFallback && u.allBytes(str) {
			for j := 0; j < len(str); j++ {
				out = append(out, u.byteIDs[str[j]])
			}
			continue
		}
		if !u.hasUnk {
			return out, fmt.Errorf("%w: Unigram has no unk_id", ErrInvalid)
		}
		out = append(out, u.unkID)
	}
	return out, nil
}

func (u *unigram) allBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if !u.byteOK[s[i]] {
			return false
		}
	}
	return true
}

// byteTrie is a trie over the bytes of vocabulary pieces; children are
// sorted by byte.
type byteTrie struct {
	nodes []trieNode
}

type trieNode struct {
	labels   []byte
	children []int32
	id       uint32
	terminal bool
}

func newByteTrie() *byteTrie { return &byteTrie{nodes: []trieNode{{}}} }

func (t *byteTrie) child(n int, c byte) int {
	nd := &t.nodes[n]
	i := sort.Search(len(nd.labels), func(i int) bool { return nd.labels[i] >= c })
	if i < len(nd.labels) && nd.labels[i] == c {
		return int(nd.children[i])
	}
	return -1
}

// insert adds key; the id stored is the one the caller's map holds, so a
// duplicate key keeps the id of its last occurrence as in Rust.
func (t *byteTrie) insert(key string) {
	n := 0
	for i := 0; i < len(key); i++ {
		c := key[i]
		next := t.child(n, c)
		if next < 0 {
			t.nodes = append(t.nodes, trieNode{})
			next = len(t.nodes) - 1
			nd := &t.nodes[n]
			j := sort.Search(len(nd.labels), func(j int) bool { return nd.labels[j] >= c })
			nd.labels = append(nd.labels, 0)
			copy(nd.labels[j+1:], nd.labels[j:])
			nd.labels[j] = c
			nd.children = append(nd.children, 0)
			copy(nd.children[j+1:], nd.children[j:])
			nd.children[j] = int32(next)
		}
		n = next
	}
	t.nodes[n].terminal = true
}

// finalize stores each terminal node's id from ids.
func (t *byteTrie) finalize(ids map[string]uint32) {
	for key, id := range ids {
		n := 0
		for i := 0; i < len(key) && n >= 0; i++ {
			n = t.child(n, key[i])
		}
		if n >= 0 {
			t.nodes[n].id = id
		}
	}
}

// prefixes calls f for every key that is a prefix of s, shortest first.
func (t *byteTrie) prefixes(s string, f func(length int, id uint32)) {
	n := 0
	for i := 0; i < len(s); i++ {
		n = t.child(n, s[i])
		if n < 0 {
			return
		}
		if t.nodes[n].terminal {
			f(i+1, t.nodes[n].id)
		}
	}
}
