package hftok

import (
	"strings"
	"unicode/utf8"
)

// prepend schemes of Metaspace.
const (
	prependAlways = iota
	prependFirst
	prependNever
)

// metaspace replaces spaces by the replacement character, prepends one
// as the scheme says and splits before each replacement character.
type metaspace struct {
	replacement rune
	rep         string
	scheme      int
	split       bool
}

func (m metaspace) preTokenize(ps []piece) []piece {
	out := make([]piece, 0, len(ps))
	for _, p := range ps {
		s := strings.ReplaceAll(p.s, " ", m.rep)
		if s != "" && !strings.HasPrefix(s, m.rep) {
			if m.scheme == prependAlways || (m.scheme == prependFirst && p.first) {
				s = m.rep + s
			}
		}
		if !m.split {
			out = append(out, piece{s: s, first: p.first})
			continue
		}
		sp := charSpans(s, func(r rune) bool { return r == m.replacement })
		for _, x := range applyBehavior(sp, behMergedWithNext) {
			if x.end > x.start {
				out = append(out, piece{s: s[x.start:x.end], first: p.first && x.start == 0})
			}
		}
	}
	return out
}

func newMetaspace(replacement string, scheme int, split bool) (metaspace, bool) {
	r, n := utf8.DecodeRuneInString(replacement)
	if n == 0 || n != len(replacement) || r == utf8.RuneError {
		return metaspace{}, false
	}
	return metaspace{replacement: r, rep: replacement, scheme: scheme, split: split}, true
}
