package hftok

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// byteLevelPre is the ByteLevel pre-tokenizer: an optional leading space,
// the GPT-2 split and the byte-to-printable-character mapping.
type byteLevelPre struct {
	addPrefixSpace, useRegex bool
}

func (b byteLevelPre) preTokenize(ps []piece) []piece {
	out := make([]piece, 0, len(ps))
	for _, p := range ps {
		s := p.s
		if b.addPrefixSpace && !strings.HasPrefix(s, " ") {
			s = " " + s
		}
		if !b.useRegex {
			out = append(out, piece{s: byteLevelChars(s), first: p.first})
			continue
		}
		for i, part := range gpt2Split(s) {
			out = append(out, piece{s: byteLevelChars(part), first: p.first && i == 0})
		}
	}
	return out
}

// byteLevelChars maps every byte of s to the printable character GPT-2
// assigns it: printable Latin-1 bytes map to themselves, the others to
// U+0100 onwards in byte order.
func byteLevelChars(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		b.WriteRune(byteToRune(s[i]))
	}
	return b.String()
}

func byteToRune(c byte) rune {
	if isPrintableByte(c) {
		return rune(c)
	}
	n := 0
	for x := 0; x < int(c); x++ {
		if !isPrintableByte(byte(x)) {
			n++
		}
	}
	return rune(256 + n)
}

func isPrintableByte(c byte) bool {
	return (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE
}

// gpt2Split splits s as the GPT-2 pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// does with Oniguruma's leftmost-first alternation, written by hand since
// Go's regexp has no lookahead. The parts cover s.
func gpt2Split(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		n := gpt2Match(s[i:])
		out = append(out, s[i:i+n])
		i += n
	}
	return out
}

type gpt2Class int

const (
	clsSpace gpt2Class = iota
	clsLetter
	clsNumber
	clsOther
)

func classOf(r rune) gpt2Class {
	switch {
	case unicode.IsSpace(r):
		return clsSpace
	case onigLetter(r):
		return clsLetter
	case onigNumber(r):
		return clsNumber
	}
	return clsOther
}

// runOf returns the byte length of the run of class c at the start of s.
func runOf(s string, c gpt2Class) int {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if classOf(r) != c {
			break
		}
		i += n
	}
	return i
}

// gpt2Match returns the length (> 0) of the match at the start of s.
func gpt2Match(s string) int {
	if s[0] == '\'' && len(s) >= 2 {
		switch s[1] {
		case 's', 't', 'm', 'd':
			return 2
		}
		if len(s) >= 3 {
			switch s[1:3] {
			case "re", "ve", "ll":
				return 3
			}
		}
	}
	r, n := utf8.DecodeRuneInString(s)
	c := classOf(r)
	if r == ' ' && len(s) > 1 {
		r2, _ := utf8.DecodeRuneInString(s[1:])
		if c2 := classOf(r2); c2 != clsSpace {
			return 1 + runOf(s[1:], c2)
		}
	}
	if c != clsSpace {
		return runOf(s, c)
	}
	// \s+(?!\S), else \s+
	run := runOf(s, clsSpace)
	if run == len(s) {
		return run
	}
	_, last := utf8.DecodeLastRuneInString(s[:run])
	if run-last > 0 {
		return run - last
	}
	return n
}
