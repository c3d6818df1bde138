package scrape

import (
	"strings"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// noise lists the elements default extraction leaves out.
var noise = map[atom.Atom]bool{
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Iframe: true, atom.Object: true, atom.Head: true,
}

// neverText lists elements whose content is never text, even inside a
// selector match.
var neverText = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Head: true,
}

// block lists elements that start a new line of text.
var block = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Blockquote: true, atom.Br: true, atom.Dd: true,
	atom.Details: true, atom.Dialog: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Hr: true, atom.Li: true, atom.Main: true, atom.Ol: true, atom.P: true, atom.Pre: true,
	atom.Section: true, atom.Summary: true, atom.Table: true, atom.Td: true, atom.Th: true,
	atom.Tr: true, atom.Ul: true, atom.Body: true, atom.Caption: true,
}

// mainCandidates are tried in order to find a page's main content.
var mainCandidates = []cascadia.Matcher{
	cascadia.MustCompile("main"),
	cascadia.MustCompile("[role=main]"),
	cascadia.MustCompile("article"),
	cascadia.MustCompile("body"),
}

var (
	titleSel = cascadia.MustCompile("head title, title")
	h1Sel    = cascadia.MustCompile("h1")
)

// extract returns the title and text of a parsed document. With a
// selector, the text of every match is joined; otherwise the main content
// (main, [role=main], article or body) without navigation and other noise.
func extract(doc *html.Node, sel cascadia.SelectorGroup) (title, text string) {
	if n := cascadia.Query(doc, titleSel); n != nil {
		title = collapse(nodeText(n, nil))
	}
	if title == "" {
		if n := cascadia.Query(doc, h1Sel); n != nil {
			title = collapse(nodeText(n, neverText))
		}
	}
	var b textBuilder
	if sel != nil {
		for _, n := range cascadia.QueryAll(doc, sel) {
			b.newline = true
			b.walk(n, neverText)
		}
		return title, b.String()
	}
	for _, c := range mainCandidates {
		if n := cascadia.Query(doc, c); n != nil {
			b.walk(n, noise)
			break
		}
	}
	return title, b.String()
}

// nodeText returns the raw text under n, skipping elements in skip.
func nodeText(n *html.Node, skip map[atom.Atom]bool) string {
	var b textBuilder
	b.walk(n, skip)
	return b.String()
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// textBuilder collects text with collapsed spaces and one line per block.
type textBuilder struct {
	b       strings.Builder
	space   bool // a space is pending
	newline bool // a line break is pending
}

func (t *textBuilder) walk(n *html.Node, skip map[atom.Atom]bool) {
	switch n.Type {
	case html.TextNode:
		t.text(n.Data)
		return
	case html.ElementNode:
		if skip[n.DataAtom] || hidden(n) {
			return
		}
	case html.DocumentNode:
	default:
		return
	}
	isBlock := n.Type == html.ElementNode && block[n.DataAtom]
	if isBlock {
		t.newline = true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		t.walk(c, skip)
	}
	if isBlock {
		t.newline = true
	}
}

func (t *textBuilder) text(s string) {
	if s == "" {
		return
	}
	if r, _ := utf8.DecodeRuneInString(s); isSpace(r) {
		t.space = true
	}
	for i, f := range strings.FieldsFunc(s, isSpace) {
		if i > 0 {
			t.space = true
		}
		if t.b.Len() > 0 {
			switch {
			case t.newline:
				t.b.WriteByte('\n')
			case t.space:
				t.b.WriteByte(' ')
			}
		}
		t.newline, t.space = false, false
		t.b.WriteString(f)
	}
	if r, _ := utf8.DecodeLastRuneInString(s); isSpace(r) {
		t.space = true
	}
}

func (t *textBuilder) String() string { return t.b.String() }

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\u00a0', '\u3000':
		return true
	}
	return false
}

// hidden reports elements the author hid from readers.
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Namespace == "" && (a.Key == "hidden" || a.Key == "aria-hidden" && strings.EqualFold(a.Val, "true")) {
			return true
		}
	}
	return false
}
