package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Missing-glyph markers, tried in order: the first one a face of the chain
// can draw replaces characters no face covers.
var markerRunes = []rune{'\u25A1', '?'} // WHITE SQUARE, then a plain '?'

// chain is the ordered list of faces tried for each character of a text
// style: the first face that has a glyph draws it.
type chain struct {
	faces      []*face
	marker     rune
	markerFace int
}

// newChain builds a chain from the non-nil faces.
func newChain(faces ...*face) *chain {
	c := &chain{marker: ' '}
	for _, f := range faces {
		if f != nil {
			c.faces = append(c.faces, f)
		}
	}
	for _, m := range markerRunes {
		if fi, ok := c.find(m); ok {
			c.marker, c.markerFace = m, fi
			break
		}
	}
	return c
}

// find returns the index of the first face with a glyph for r.
func (c *chain) find(r rune) (int, bool) {
	for i, f := range c.faces {
		if f.glyph(r).ok {
			return i, true
		}
	}
	return 0, false
}

// shaped is text resolved against a chain at a font size: for each rune the
// face that draws it and its advance width in points.
type shaped struct {
	runes  []rune
	face   []int
	width  []float64
	missAt []int // indices of runes no face covers, drawn as the chain's marker
}

// missing counts the runes of [start, end) that no face covers.
func (sh shaped) missing(start, end int) int {
	n := 0
	for _, i := range sh.missAt {
		if i >= start && i < end {
			n++
		}
	}
	return n
}

// shape resolves clean text (see clean) against the chain at size points.
func (c *chain) shape(s string, size float64) shaped {
	n := len(s)
	sh := shaped{runes: make([]rune, 0, n), face: make([]int, 0, n), width: make([]float64, 0, n)}
	for _, r := range s {
		fi, ok := c.find(r)
		if !ok {
			sh.missAt = append(sh.missAt, len(sh.runes))
			r, fi = c.marker, c.markerFace
		}
		sh.runes = append(sh.runes, r)
		sh.face = append(sh.face, fi)
		sh.width = append(sh.width, c.faces[fi].glyph(r).width*size/1000)
	}
	return sh
}

// clean normalises text for setting: NFC composition (so decomposed accents
// use precomposed glyphs), every kind of white space becomes one space,
// control and format characters are dropped, and the result is trimmed.
func clean(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// truncateRunes cuts clean text to at most n runes, preferring a word
// boundary in the last fifth, and marks the cut with an ellipsis.
func truncateRunes(s string, n int) (string, bool) {
	if n <= 0 {
		return "", s != ""
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	if i >= len(s) {
		return s, false
	}
	cut := s[:i]
	if sp := strings.LastIndexByte(cut, ' '); sp > 0 && sp >= len(cut)*4/5 {
		cut = cut[:sp]
	}
	return strings.TrimRight(cut, " ") + "…", true
}

// isCJK reports whether r belongs to a script set without spaces between
// words, where a line may break between any two characters. Korean Hangul
// syllables are not: Korean puts spaces between words, so it wraps at
// spaces like Latin text and a word stays whole on its line.
func isCJK(r rune) bool {
	switch {
	case r < 0x2E80:
		return false
	case r >= 0x3000 && r <= 0x33FF, // CJK punctuation, kana, bopomofo, compatibility
		r >= 0xFF00 && r <= 0xFFEF: // half- and full-width forms
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// noLineStart are closing marks that must not start a line (kinsoku): they
// stay with the character before them.
const noLineStart = "、。，．・：；！？）」』】〕〉》〙〗〟ー々ゝゞぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ）］｝,.;:!?)]}%"

// noLineEnd are opening marks that must not end a line: they stay with the
// character after them.
const noLineEnd = "（「『【〔〈《〘〖〝［｛"

// line is the half-open rune range [start, end) of one wrapped line and its
// width in points.
type line struct {
	start, end int
	width      float64
}

// wrap breaks shaped text into lines no wider than maxW: between words at
// spaces, between CJK characters, and within a word only when the word alone
// is wider than a line. Spaces at line ends are dropped.
func wrap(sh shaped, maxW float64) []line {
	var (
		lines   []line
		cur     = line{start: -1}
		pending float64 // width of the space before the next atom
	)
	emit := func() {
		if cur.start >= 0 {
			lines = append(lines, cur)
		}
		cur = line{start: -1}
		pending = 0
	}
	n := len(sh.runes)
	for i := 0; i < n; {
		if sh.runes[i] == ' ' {
			if cur.start >= 0 {
				pending += sh.width[i]
			}
			i++
			continue
		}
		j := atomEnd(sh.runes, i)
		var w float64
		for k := i; k < j; k++ {
			w += sh.width[k]
		}
		switch {
		case cur.start >= 0 && cur.width+pending+w <= maxW:
			cur.end, cur.width, pending = j, cur.width+pending+w, 0
		case w <= maxW:
			emit()
			cur = line{start: i, end: j, width: w}
		default: // a word wider than a line: start a line, break it between characters
			emit()
			for k := i; k < j; k++ {
				if cur.start < 0 {
					cur = line{start: k, end: k + 1, width: sh.width[k]}
					continue
				}
				if cur.width+pending+sh.width[k] > maxW {
					emit()
					cur = line{start: k, end: k + 1, width: sh.width[k]}
					continue
				}
				cur.end, cur.width, pending = k+1, cur.width+pending+sh.width[k], 0
			}
		}
		i = j
	}
	emit()
	return lines
}

// atomEnd returns the end of the unbreakable unit starting at rune i: a word
// up to the next space or CJK character, or one CJK character, each together
// with closing marks after it and opening marks before the next unit.
func atomEnd(rs []rune, i int) int {
	n := len(rs)
	j := i + 1
	if !isCJK(rs[i]) {
		for j < n && rs[j] != ' ' && !isCJK(rs[j]) {
			j++
		}
	} else if strings.ContainsRune(noLineEnd, rs[i]) && j < n && rs[j] != ' ' {
		j = atomEnd(rs, j)
	}
	for j < n && strings.ContainsRune(noLineStart, rs[j]) {
		j++
	}
	return j
}

// run is a piece of one line set in one face.
type run struct {
	face  int
	text  string
	x     float64 // offset from the line start in points
	width float64
}

// runs splits a line into runs of one face each.
func (sh shaped) runs(ln line) []run {
	var out []run
	var b strings.Builder
	x := 0.0
	for k := ln.start; k < ln.end; {
		f := sh.face[k]
		b.Reset()
		w := 0.0
		for ; k < ln.end && sh.face[k] == f; k++ {
			b.WriteRune(sh.runes[k])
			w += sh.width[k]
		}
		out = append(out, run{face: f, text: b.String(), x: x, width: w})
		x += w
	}
	return out
}
