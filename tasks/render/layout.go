package render

import (
	"strconv"
	"strings"
)

// Page geometry in points: A4 portrait.
const (
	pageW          = 595.28
	pageH          = 841.89
	marginX        = 50.0
	marginTop      = 50.0
	contentW       = pageW - 2*marginX
	contentBottom  = pageH - 84 // the note line and the footer lie below
	noteBaseline   = pageH - 64
	footerRuleY    = pageH - 52
	footerBaseline = pageH - 38
	lineFactor     = 1.35 // line height ÷ font size
	ascentFactor   = 0.95 // baseline offset below the line top ÷ font size
)

type rgb [3]uint8

// style is how a piece of text is set.
type style struct {
	bold  bool
	size  float64
	color rgb
}

type opKind uint8

const (
	opText opKind = iota // runs at (x, baseline y)
	opRule               // a horizontal line from (x, y) to (x+w, y)
	opFill               // a filled box with top-left (x, y)
	opLink               // a link area with top-left (x, y) to url
)

// op is one drawing operation on a page.
type op struct {
	kind       opKind
	x, y, w, h float64
	st         style
	runs       []run
	url        string
}

// layout places text and shapes on pages: a pure computation whose result
// draw turns into a PDF. It stops at maxPages and then reports full.
type layout struct {
	regular, bold *chain
	maxPages      int
	pages         [][]op
	cur           int     // index of the page ops are added to
	y             float64 // top of the next line on the current page
	full          bool    // content did not fit into maxPages
	missing       int     // characters drawn as the missing-glyph marker
}

func (l *layout) chain(st style) *chain {
	if st.bold {
		return l.bold
	}
	return l.regular
}

// newPage starts a page, or marks the layout full at the page cap.
func (l *layout) newPage() bool {
	if len(l.pages) >= l.maxPages {
		l.full = true
		return false
	}
	l.pages = append(l.pages, nil)
	l.cur = len(l.pages) - 1
	l.y = marginTop
	return true
}

// room makes sure h points fit below the current position, starting a new
// page when they do not; false when the page cap is reached.
func (l *layout) room(h float64) bool {
	if l.full {
		return false
	}
	if len(l.pages) > 0 && l.y+h <= contentBottom {
		return true
	}
	return l.newPage()
}

func (l *layout) add(o op) {
	l.pages[l.cur] = append(l.pages[l.cur], o)
}

// text adds one line of shaped text at (x, baseline).
func (l *layout) text(sh shaped, ln line, st style, x, baseline float64) {
	l.missing += sh.missing(ln.start, ln.end)
	l.add(op{kind: opText, x: x, y: baseline, st: st, runs: sh.runs(ln)})
}

// para sets clean text wrapped into width w at x, continuing on new pages;
// false when the page cap cut it short.
func (l *layout) para(s string, st style, x, w float64) bool {
	if s == "" {
		return true
	}
	sh := l.chain(st).shape(s, st.size)
	lh := st.size * lineFactor
	for _, ln := range wrap(sh, w) {
		if !l.room(lh) {
			return false
		}
		l.text(sh, ln, st, x, l.y+st.size*ascentFactor)
		l.y += lh
	}
	return true
}

// fit shapes clean text as one line no wider than w, cutting it with an
// ellipsis when needed.
func (l *layout) fit(s string, st style, w float64) (shaped, line) {
	c := l.chain(st)
	sh := c.shape(s, st.size)
	total := 0.0
	for _, x := range sh.width {
		total += x
	}
	if total <= w {
		return sh, line{start: 0, end: len(sh.runes), width: total}
	}
	ell := c.shape("…", st.size)
	limit := w - ell.width[0]
	acc, k := 0.0, 0
	for k < len(sh.runes) && acc+sh.width[k] <= limit {
		acc += sh.width[k]
		k++
	}
	// shape maps each rune of s to one rune, so k indexes s's runes too.
	sh = c.shape(strings.TrimRight(string([]rune(s)[:k]), " ")+"…", st.size)
	total = 0
	for _, x := range sh.width {
		total += x
	}
	return sh, line{start: 0, end: len(sh.runes), width: total}
}

// cell sets clean text on one line in a box [x, x+w) at baseline, left or
// right aligned.
func (l *layout) cell(s string, st style, x, w, baseline float64, right bool) {
	sh, ln := l.fit(s, st, w)
	if right {
		x += w - ln.width
	}
	l.text(sh, ln, st, x, baseline)
}

// footers adds the footer to every page and, when the layout is full, the
// truncation note to the last page.
func (l *layout) footers(left, note string) {
	st := style{size: 8, color: rgb{110, 110, 110}}
	n := len(l.pages)
	for i := range l.pages {
		l.cur = i
		l.add(op{kind: opRule, x: marginX, y: footerRuleY, w: contentW, st: style{color: rgb{200, 200, 200}}})
		right := "Page " + strconv.Itoa(i+1) + " of " + strconv.Itoa(n)
		l.cell(right, st, marginX+contentW-120, 120, footerBaseline, true)
		l.cell(left, st, marginX, contentW-130, footerBaseline, false)
		if note != "" && i == n-1 {
			l.cell(note, style{bold: true, size: 9, color: rgb{160, 40, 40}}, marginX, contentW, noteBaseline, false)
		}
	}
}
