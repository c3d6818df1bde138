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

func rootPage() string {
	var b strings.Builder
	b.WriteString("<h1>" + html.EscapeString(rootTitle) + "</h1>\n")
	b.WriteString("<p>This demo site publishes short news reports in eight languages.</p>\n<ul>\n")
	for _, l := range languages {
		b.WriteString(`<li><a href="/` + l.code + `/">` + html.EscapeString(l.siteTitle) + "</a></li>\n")
	}
	b.WriteString("</ul>\n<h2>Odd corners</h2>\n<ul>\n")
	for _, s := range [][2]string{
		{PathRedirect, "An old address that moved"},
		{PathMissing, "A page that is gone"},
		{PathError, "A broken service"},
		{PathSlow, "A slow page"},
		{PathBig, "A very long page"},
		{PathBomb, "A compressed archive page"},
		{PathPDF, "The annual report as PDF"},
		{PathPNG, "A chart"},
		{PathJSON, "Raw data"},
		{PathPrivate, "Staff only"},
		{PathOffsite, "Another site"},
	} {
		b.WriteString(`<li><a href="` + html.EscapeString(s[0]) + `">` + html.EscapeString(s[1]) + "</a></li>\n")
	}
	b.WriteString("</ul>\n")
	return layout("en", rootTitle, b.String(), "")
}

func indexPage(l *language, articles int) string {
	var b strings.Builder
	b.WriteString("<h1>" + html.EscapeString(l.siteTitle) + "</h1>\n<p>" + html.EscapeString(l.intro) + "</p>\n<ul>\n")
	for n := 1; n <= articles; n++ {
		a := article(*l, n)
		b.WriteString(`<li><a href="` + a.path + `">` + html.EscapeString(a.title) + "</a></li>\n")
	}
	b.WriteString("</ul>\n")
	return layout(l.code, l.siteTitle, b.String(), `<a href="/`+l.code+`/drafts/1">Drafts</a>`)
}

// articlePage renders an article. The print version has the same title and
// main text (so the same content hash) but no pager.
func articlePage(l *language, n, articles int, print bool) string {
	a := article(*l, n)
	var b strings.Builder
	b.WriteString("<article>\n<h1>" + html.EscapeString(a.title) + "</h1>\n")
	for _, p := range a.paras {
		b.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
	}
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
