package demosite

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// articleInfo is what one generated article is about.
type articleInfo struct {
	path      string
	title     string
	topic     int // index into topicNames
	sentiment int // 0 positive, 1 negative
	langAttr  bool
	paras     []string
}

// article builds article n (1-based) of language l. Articles cycle through
// the topics; sentiment alternates every four articles; every seventh
// article omits <html lang> so the language must be detected.
func article(l language, n int) articleInfo {
	topic := (n - 1) % 4
	sentiment := (n - 1) / 4 % 2
	pair := l.sentences[topic][sentiment]
	first, second := pair[0], pair[1]
	if n%2 == 0 {
		first, second = second, first
	}
	return articleInfo{
		path:      "/" + l.code + "/articles/" + strconv.Itoa(n),
		title:     fmt.Sprintf(l.headline, l.topics[topic], n),
		topic:     topic,
		sentiment: sentiment,
		langAttr:  n%7 != 0,
		paras:     []string{fmt.Sprintf(l.numbered, n), first, second},
	}
}

// layout wraps main content in the noise every page carries: a style sheet,
// scripts, a header, navigation, a noscript notice and a footer.
func layout(lang, title, main, footerExtra string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n")
	if lang != "" {
		b.WriteString(`<html lang="` + html.EscapeString(lang) + `">`)
	} else {
		b.WriteString("<html>")
	}
	b.WriteString("\n<head>\n<meta charset=\"utf-8\">\n<title>" + html.EscapeString(title) + "</title>\n")
	b.WriteString("<style>body{font-family:sans-serif;max-width:40em} nav a{margin-right:1em} .banner{color:red}</style>\n")
	b.WriteString(`<script>window.trackingPixel = function () { return "tracking code must not reach the text"; };</script>` + "\n")
	b.WriteString("</head>\n<body>\n")
	b.WriteString(`<header><a href="/">Demo News</a> <span class="banner">Header banner: subscribe now</span></header>` + "\n")
	b.WriteString("<nav>")
	for _, l := range languages {
		b.WriteString(`<a href="/` + l.code + `/">` + html.EscapeString(l.name) + "</a> ")
	}
	b.WriteString("</nav>\n<main>\n" + main + "</main>\n")
	b.WriteString("<noscript>Please enable JavaScript to see the comments.</noscript>\n")
	b.WriteString("<footer>Copyright Demo News. " + footerExtra + "</footer>\n")
	b.WriteString(`<script src="/static/app.js"></script>` + "\n</body>\n</html>\n")
	return b.String()
}

// block is one block element of a page's main content: a heading, a
// paragraph or a list item (a link when href is set).
type block struct {
	tag, text, href string
}

// renderBlocks writes blocks as HTML, wrapping runs of list items in <ul>.
func renderBlocks(b *strings.Builder, blocks []block) {
	for i, bl := range blocks {
		if bl.tag == "li" && (i == 0 || blocks[i-1].tag != "li") {
			b.WriteString("<ul>\n")
		}
		text := html.EscapeString(bl.text)
		if bl.href != "" {
			text = `<a href="` + html.EscapeString(bl.href) + `">` + text + "</a>"
		}
		b.WriteString("<" + bl.tag + ">" + text + "</" + bl.tag + ">\n")
		if bl.tag == "li" && (i == len(blocks)-1 || blocks[i+1].tag != "li") {
			b.WriteString("</ul>\n")
		}
	}
}

// blocksText is the text a reader sees in blocks: one line per block.
func blocksText(blocks []block) string {
	lines := make([]string, len(blocks))
	for i, bl := range blocks {
		lines[i] = bl.text
	}
	return strings.Join(lines, "\n")
}

// rootLinks are the root page's links to the special pages. Their text is
// neutral on purpose: the root page carries no sentiment.
var rootLinks = [][2]string{
	{PathRedirect, "An old address that moved"},
	{PathMissing, "A page that is gone"},
	{PathError, "A service that is down"},
	{PathSlow, "A page that takes its time"},
	{PathBig, "A very long page"},
	{PathBomb, "A compressed archive page"},
	{PathPDF, "The annual report as PDF"},
	{PathPNG, "A chart"},
	{PathJSON, "Raw data"},
	{PathPrivate, "Staff only"},
	{PathOffsite, "Another site"},
}

func rootBlocks() []block {
	out := []block{
		{tag: "h1", text: rootTitle},
		{tag: "p", text: fmt.Sprintf("This demo site publishes short news reports in %d languages.", len(languages))},
	}
	for _, l := range languages {
		out = append(out, block{tag: "li", text: l.siteTitle, href: "/" + l.code + "/"})
	}
	out = append(out, block{tag: "h2", text: "Odd corners"})
	for _, s := range rootLinks {
		out = append(out, block{tag: "li", text: s[1], href: s[0]})
	}
	return out
}

func rootPage() string {
	var b strings.Builder
	renderBlocks(&b, rootBlocks())
	return layout("en", rootTitle, b.String(), "")
}

func indexBlocks(l *language, articles int) []block {
	out := []block{{tag: "h1", text: l.siteTitle}, {tag: "p", text: l.intro}}
	for n := 1; n <= articles; n++ {
		a := article(*l, n)
		out = append(out, block{tag: "li", text: a.title, href: a.path})
	}
	return out
}

func indexPage(l *language, articles int) string {
	var b strings.Builder
	renderBlocks(&b, indexBlocks(l, articles))
	return layout(l.code, l.siteTitle, b.String(), `<a href="/`+l.code+`/drafts/1">Drafts</a>`)
}

// blocks is the article's main content: its heading and paragraphs.
func (a articleInfo) blocks() []block {
	out := []block{{tag: "h1", text: a.title}}
	for _, p := range a.paras {
		out = append(out, block{tag: "p", text: p})
	}
	return out
}

// articlePage renders an article. The print version has the same title and
// main text (so the same content hash) but no pager.
func articlePage(l *language, n, articles int, print bool) string {
	a := article(*l, n)
	var b strings.Builder
	b.WriteString("<article>\n")
	renderBlocks(&b, a.blocks())
	b.WriteString("</article>\n")
	footer := ""
	if !print {
		b.WriteString(`<nav class="pager">`)
		if n > 1 {
			b.WriteString(`<a href="/` + l.code + `/articles/` + strconv.Itoa(n-1) + `">&larr;</a> `)
		}
		if n < articles {
			b.WriteString(`<a href="/` + l.code + `/articles/` + strconv.Itoa(n+1) + `">&rarr;</a>`)
		}
		b.WriteString("</nav>\n")
		if n == 1 {
			footer = `<a href="` + a.path + `/print">Print</a>`
		}
	}
	lang := ""
	if a.langAttr {
		lang = l.code
	}
	return layout(lang, a.title, b.String(), footer)
}

func simplePage(lang, title, text string) string {
	return layout(lang, title, "<h1>"+html.EscapeString(title)+"</h1>\n<p>"+html.EscapeString(text)+"</p>\n", "")
}
