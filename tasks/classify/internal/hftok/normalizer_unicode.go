package hftok

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// unicodeForm is NFC, NFD, NFKC or NFKD as the Rust crate computes it:
// with Unicode 9.0 data (characters of norm9Protected pass through as
// plain starters) and without the stream-safe U+034F that x/text inserts
// after 30 consecutive non-starters.
type unicodeForm struct{ form norm.Form }

func (u unicodeForm) normalize(s string) string { return normalize9(u.form, s) }

func normalize9(form norm.Form, s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x7FD && unicode.Is(norm9Protected, r) }) {
		return normalizeSegment(form, s)
	}
	var b strings.Builder
	b.Grow(len(s))
	seg := 0
	for i, r := range s {
		if r >= 0x7FD && unicode.Is(norm9Protected, r) {
			b.WriteString(normalizeSegment(form, s[seg:i]))
			b.WriteRune(r)
			seg = i + utf8.RuneLen(r)
		}
	}
	b.WriteString(normalizeSegment(form, s[seg:]))
	return b.String()
}

// normalizeSegment uses x/text unless a run of non-starters is long enough
// for it to insert U+034F.
func normalizeSegment(form norm.Form, s string) string {
	if !mayExceedNonStarters(s) {
		return form.String(s)
	}
	return normalizeNoStreamSafe(form, s)
}

// mayExceedNonStarters is a cheap conservative test: no character
// decomposes to more than 4 non-starters, and only characters from
// U+00C0 on decompose at all.
func mayExceedNonStarters(s string) bool {
	run := 0
	for _, r := range s {
		if r >= 0xC0 {
			run++
			if run >= 7 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func ccc(r rune) uint8 {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return norm.NFD.Properties(buf[:n]).CCC()
}

// normalizeNoStreamSafe decomposes each character with x/text, orders
// non-starters canonically and, for NFC/NFKC, composes canonically, as
// Unicode's algorithm does without the stream-safe format.
func normalizeNoStreamSafe(form norm.Form, s string) string {
	decomp, compose := norm.NFD, false
	switch form {
	case norm.NFC:
		compose = true
	case norm.NFKC:
		decomp, compose = norm.NFKD, true
	case norm.NFKD:
		decomp = norm.NFKD
	}
	var rs []rune
	var buf [utf8.UTFMax]byte
	for _, r := range s {
		n := utf8.EncodeRune(buf[:], r)
		rs = append(rs, []rune(string(decomp.Append(nil, buf[:n]...)))...)
	}
	classes := make([]uint8, len(rs))
	for i, r := range rs {
		classes[i] = ccc(r)
	}
	// Canonical ordering: stable sort of every run of non-starters.
	for i := 0; i < len(rs); {
		if classes[i] == 0 {
			i++
			continue
		}
		j := i
		for j < len(rs) && classes[j] != 0 {
			j++
		}
		idx := make([]int, j-i)
		for k := range idx {
			idx[k] = i + k
		}
		slices.SortStableFunc(idx, func(a, b int) int { return int(classes[a]) - int(classes[b]) })
		run := make([]rune, len(idx))
		cl := make([]uint8, len(idx))
		for k, x := range idx {
			run[k], cl[k] = rs[x], classes[x]
		}
		copy(rs[i:j], run)
		copy(classes[i:j], cl)
		i = j
	}
	if !compose {
		return string(rs)
	}
	out := make([]rune, 0, len(rs))
	starter, lastCC := -1, -1
	for i, r := range rs {
		cc := int(classes[i])
		if starter >= 0 && (lastCC == -1 || (lastCC != 0 && lastCC < cc)) {
			if c, ok := composePair(out[starter], r); ok {
				out[starter] = c
				continue
			}
		}
		if cc == 0 {
			starter, lastCC = len(out), -1
		} else {
			lastCC = cc
		}
		out = append(out, r)
	}
	return string(out)
}

// composePair returns the primary composite of a and b, if any.
func composePair(a, b rune) (rune, bool) {
	s := norm.NFC.String(string([]rune{a, b}))
	r, n := utf8.DecodeRuneInString(s)
	if n == len(s) && r != utf8.RuneError {
		return r, true
	}
	return 0, false
}
