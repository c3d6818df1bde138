package hftok

import (
	"regexp"
	"strings"
	"unicode"
)

// normalizer rewrites one piece of text, as a Hugging Face normalizer does.
// Only the resulting string matters for ids, so no alignments are kept.
type normalizer interface {
	normalize(s string) string
}

type normSequence []normalizer

func (q normSequence) normalize(s string) string {
	for _, n := range q {
		s = n.normalize(s)
	}
	return s
}

type lowercase struct{}

func (lowercase) normalize(s string) string { return lowerRust(s) }

// lowerRust lowercases every character as Rust's char::to_lowercase does:
// Unicode's unconditional full lowercase mapping (U+0130 becomes
// "i\u0307"), without the final-sigma rule, with Rust's Unicode version
// (refLower holds where it differs from Go's).
func lowerRust(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0x130 {
			if l, ok := refLower[r]; ok {
				b.WriteString(l)
				continue
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// stripAccents drops combining marks (general category M of Unicode 9.0),
// as the StripAccents normalizer does.
type stripAccents struct{}

func (stripAccents) normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if isCombiningMark9(r) {
			return -1
		}
		return r
	}, s)
}

// strip removes leading and/or trailing whitespace (Rust char::is_whitespace).
type strip struct{ left, right bool }

func (p strip) normalize(s string) string {
	if p.left {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
	}
	if p.right {
		s = strings.TrimRightFunc(s, unicode.IsSpace)
	}
	return s
}

// prepend adds its string in front of a non-empty piece.
type prepend struct{ s string }

func (p prepend) normalize(s string) string {
	if s == "" {
		return s
	}
	return p.s + s
}

// replace substitutes every non-overlapping match of a literal or a regex.
type replace struct {
	literal string
	re      *regexp.Regexp
	content string
}

func (p replace) normalize(s string) string {
	if p.re == nil {
		if p.literal == "" {
			return s
		}
		return strings.ReplaceAll(s, p.literal, p.content)
	}
	var b strings.Builder
	last := 0
	for _, m := range p.re.FindAllStringIndex(s, -1) {
		if m[0] == m[1] {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(p.content)
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// nmt removes ASCII control characters and maps other spaces to ' ', as
// the Nmt normalizer of SentencePiece layouts does.
type nmt struct{}

func (nmt) normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0x01 && r <= 0x08, r == 0x0B, r >= 0x0E && r <= 0x1F, r == 0x7F, r == 0x8F, r == 0x9F:
			return -1
		case r == 0x09, r == 0x0A, r == 0x0C, r == 0x0D, r == 0x1680, r >= 0x200B && r <= 0x200F,
			r == 0x2028, r == 0x2029, r == 0x2581, r == 0xFEFF, r == 0xFFFD:
			return ' '
		}
		return r
	}, s)
}

// byteLevelNorm maps every byte to its printable ByteLevel character.
type byteLevelNorm struct{}

func (byteLevelNorm) normalize(s string) string { return byteLevelChars(s) }
