package hftok

import (
	"regexp"
	"unicode"
	"unicode/utf8"
)

// piece is one split of the text on its way to the model. first tells
// whether it starts at offset 0 of the original input (Metaspace's "first"
// prepend scheme depends on it).
type piece struct {
	s     string
	first bool
}

// preTokenizer splits pieces further, as a Hugging Face pre-tokenizer does.
type preTokenizer interface {
	preTokenize(ps []piece) []piece
}

// behavior is a SplitDelimiterBehavior.
type behavior int

const (
	behRemoved behavior = iota
	behIsolated
	behMergedWithPrevious
	behMergedWithNext
	behContiguous
)

// span is a byte range of a piece and whether it is a delimiter match.
type span struct {
	start, end int
	match      bool
}

// charSpans lists the characters for which pred holds as single-character
// matches, with the text between them as non-matches.
func charSpans(s string, pred func(rune) bool) []span {
	var out []span
	last := 0
	for i, r := range s {
		if pred(r) {
			if last < i {
				out = append(out, span{last, i, false})
			}
			n := utf8.RuneLen(r)
			if n < 0 {
				n = 1
			}
			out = append(out, span{i, i + n, true})
			last = i + n
		}
	}
	if last < len(s) {
		out = append(out, span{last, len(s), false})
	}
	return out
}

// regexSpans lists the regex's matches and the text between them.
func regexSpans(s string, re *regexp.Regexp) []span {
	var out []span
	prev := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if prev != m[0] {
			out = append(out, span{prev, m[0], false})
		}
		out = append(out, span{m[0], m[1], true})
		prev = m[1]
	}
	if prev != len(s) {
		out = append(out, span{prev, len(s), false})
	}
	return out
}

// applyBehavior turns delimiter matches into the ranges a split keeps.
func applyBehavior(sp []span, b behavior) []span {
	var out []span
	switch b {
	case behIsolated:
		return sp
	case behRemoved:
		for _, x := range sp {
			if !x.match {
				out = append(out, x)
			}
		}
	case behMergedWithPrevious:
		prevMatch := false
		for _, x := range sp {
			if x.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].end = x.end
			} else {
				out = append(out, x)
			}
			prevMatch = x.match
		}
	case behMergedWithNext:
		prevMatch := false
		for i := len(sp) - 1; i >= 0; i-- {
			x := sp[i]
			if x.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].start = x.start
			} else {
				out = append(out, x)
			}
			prevMatch = x.match
		}
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	case behContiguous:
		prevMatch := false
		for _, x := range sp {
			if x.match == prevMatch && len(out) > 0 {
				out[len(out)-1].end = x.end
			} else {
				out = append(out, x)
			}
			prevMatch = x.match
		}
	}
	return out
}

// splitPieces replaces every piece by the non-empty ranges split returns.
func splitPieces(ps []piece, split func(s string) []span) []piece {
	out := make([]piece, 0, len(ps))
	for _, p := range ps {
		for _, x := range split(p.s) {
			if x.end > x.start {
				out = append(out, piece{s: p.s[x.start:x.end], first: p.first && x.start == 0})
			}
		}
	}
	return out
}

type preSequence []preTokenizer

func (q preSequence) preTokenize(ps []piece) []piece {
	for _, p := range q {
		ps = p.preTokenize(ps)
	}
	return ps
}

// isBertPunc is Hugging Face's is_bert_punc.
func isBertPunc(r rune) bool {
	return (r < 0x80 && unicode.IsPunct(r)) || (r < 0x80 && unicode.IsSymbol(r)) || isPunct8(r)
}

// bertPre splits on whitespace (removed) and isolates punctuation.
type bertPre struct{}

func (bertPre) preTokenize(ps []piece) []piece {
	ps = splitPieces(ps, func(s string) []span { return applyBehavior(charSpans(s, unicode.IsSpace), behRemoved) })
	return splitPieces(ps, func(s string) []span { return applyBehavior(charSpans(s, isBertPunc), behIsolated) })
}

type whitespaceSplit struct{}

func (whitespaceSplit) preTokenize(ps []piece) []piece {
	return splitPieces(ps, func(s string) []span { return applyBehavior(charSpans(s, unicode.IsSpace), behRemoved) })
}

// punctuation isolates (or otherwise splits on) punctuation characters.
type punctuation struct{ b behavior }

func (p punctuation) preTokenize(ps []piece) []piece {
	return splitPieces(ps, func(s string) []span { return applyBehavior(charSpans(s, isBertPunc), p.b) })
}

// digits splits numbers (Rust char::is_numeric: general category N) out.
type digits struct{ individual bool }

func (d digits) preTokenize(ps []piece) []piece {
	b := behContiguous
	if d.individual {
		b = behIsolated
	}
	return splitPieces(ps, func(s string) []span { return applyBehavior(charSpans(s, isNumeric), b) })
}

// splitPre is the Split pre-tokenizer with a literal or regex pattern.
type splitPre struct {
	literal string
	re      *regexp.Regexp
	b       behavior
	invert  bool
}

func (p splitPre) preTokenize(ps []piece) []piece {
	return splitPieces(ps, func(s string) []span {
		var sp []span
		if p.re != nil {
			sp = regexSpans(s, p.re)
		} else {
			sp = literalSpans(s, p.literal)
		}
		if p.invert {
			for i := range sp {
				sp[i].match = !sp[i].match
			}
		}
		return applyBehavior(sp, p.b)
	})
}

func literalSpans(s, lit string) []span {
	if lit == "" {
		return []span{{0, len(s), false}}
	}
	var out []span
	prev := 0
	for i := 0; i+len(lit) <= len(s); {
		if s[i:i+len(lit)] == lit {
			if prev != i {
				out = append(out, span{prev, i, false})
			}
			out = append(out, span{i, i + len(lit), true})
			i += len(lit)
			prev = i
			continue
		}
		i++
	}
	if prev != len(s) {
		out = append(out, span{prev, len(s), false})
	}
	return out
}

// whitespacePre is the Whitespace pre-tokenizer: the matches of
// \w+|[^\w\s]+ (Rust regex, Unicode classes) are kept, the rest removed.
type whitespacePre struct{}

func (whitespacePre) preTokenize(ps []piece) []piece {
	return splitPieces(ps, func(s string) []span {
		var out []span
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				i += n
				continue
			}
			word := isRustWord(r)
			j := i + n
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if word {
					if !isRustWord(r2) {
						break
					}
				} else if isRustWord(r2) || unicode.IsSpace(r2) {
					break
				}
				j += n2
			}
			out = append(out, span{i, j, false})
			i = j
		}
		return out
	})
}

// baseWord is the Rust regex crate's Unicode \w by Go's tables:
// Alphabetic, marks, decimal numbers, connector punctuation and the joiners.
func baseWord(r rune) bool {
	if r < 0x80 {
		return r == '_' || (r >= '0' && r <= '9') || (r|0x20 >= 'a' && r|0x20 <= 'z')
	}
	return unicode.In(r, unicode.L, unicode.Nl, unicode.Other_Alphabetic, unicode.M, unicode.Nd, unicode.Pc) ||
		r == 0x200C || r == 0x200D
}
