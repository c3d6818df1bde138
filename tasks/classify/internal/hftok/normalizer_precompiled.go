package hftok

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// precompiled is SentencePiece's precompiled_charsmap normaliser: a
// little-endian uint32 byte size of a double-array trie, the trie's uint32
// units, then a blob of NUL-terminated replacement strings the trie's leaf
// values point into.
//
// As the Rust tokenizers do, the text is walked by extended grapheme
// cluster: a cluster shorter than 6 bytes whose bytes start with a key of
// the trie is replaced whole by that (shortest) key's replacement;
// otherwise each character is looked up alone.
type precompiled struct {
	units      []uint32
	normalized string
}

func newPrecompiled(blob []byte) (*precompiled, error) {
	if len(blob) < 4 {
		return nil, fmt.Errorf("%w: precompiled_charsmap of %d bytes", ErrInvalid, len(blob))
	}
	size := int(binary.LittleEndian.Uint32(blob))
	if size%4 != 0 || size > len(blob)-4 || size == 0 {
		return nil, fmt.Errorf("%w: precompiled_charsmap trie size %d of %d", ErrInvalid, size, len(blob))
	}
	units := make([]uint32, size/4)
	for i := range units {
		units[i] = binary.LittleEndian.Uint32(blob[4+4*i:])
	}
	normalized := string(blob[4+size:])
	if !utf8.ValidString(normalized) {
		return nil, fmt.Errorf("%w: precompiled_charsmap strings are not UTF-8", ErrInvalid)
	}
	return &precompiled{units: units, normalized: normalized}, nil
}

func unitOffset(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }
func unitLabel(u uint32) uint32  { return u & ((1 << 31) | 0xFF) }
func unitHasLeaf(u uint32) bool  { return (u>>8)&1 == 1 }
func unitValue(u uint32) uint32  { return u & ((1 << 31) - 1) }

// firstPrefixValue returns the value of the shortest trie key that is a
// prefix of key (stopping at a NUL byte), as the first result of a darts
// common-prefix search.
func (p *precompiled) firstPrefixValue(key string) (uint32, bool) {
	n := uint32(len(p.units))
	pos := unitOffset(p.units[0])
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == 0 {
			break
		}
		pos ^= uint32(c)
		if pos >= n {
			return 0, false
		}
		u := p.units[pos]
		if unitLabel(u) != uint32(c) {
			return 0, false
		}
		pos ^= unitOffset(u)
		if pos >= n {
			return 0, false
		}
		if unitHasLeaf(u) {
			return unitValue(p.units[pos]), true
		}
	}
	return 0, false
}

func (p *precompiled) transform(chunk string) (string, bool) {
	v, ok := p.firstPrefixValue(chunk)
	if !ok {
		return "", false
	}
	start := int(v)
	if start > len(p.normalized) {
		return "", false
	}
	end := strings.IndexByte(p.normalized[start:], 0)
	if end < 0 {
		end = len(p.normalized) - start
	}
	out := p.normalized[start : start+end]
	if !utf8.ValidString(out) {
		// Rust slices the string at these byte offsets; a slice off a
		// character boundary cannot happen with a sound charsmap.
		return "", false
	}
	return out, true
}

func (p *precompiled) normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	modified := false
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cluster := g.Str()
		if len(cluster) < 6 {
			if out, ok := p.transform(cluster); ok {
				b.WriteString(out)
				modified = true
				continue
			}
		}
		for i, r := range cluster {
			part := cluster[i : i+utf8.RuneLen(r)]
			if out, ok := p.transform(part); ok {
				b.WriteString(out)
				modified = true
				continue
			}
			b.WriteString(part)
		}
	}
	if !modified {
		return s
	}
	return b.String()
}
