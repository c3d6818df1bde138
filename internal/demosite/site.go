package demosite

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths of the special pages, all linked from the root page.
const (
	PathRobots    = "/robots.txt"
	PathRedirect  = "/redirect/chain/3" // 301, 301, 302, then /en/
	PathMissing   = "/missing"          // 404
	PathError     = "/error"            // 503
	PathSlow      = "/slow"             // answers after Config.SlowDelay
	PathBig       = "/big"              // Config.BigPageBytes of HTML
	PathBomb      = "/bomb"             // gzip body inflating to Config.BombBytes
	PathPDF       = "/files/report.pdf" // application/pdf
	PathPNG       = "/files/chart.png"  // image/png
	PathJSON      = "/api/data.json"    // application/json
	PathPrivate   = "/private/secret"   // disallowed by robots.txt
	PathOffsite   = "http://example.invalid/elsewhere"
	redirectFinal = "/en/"
)

// Config sets the demo site's size and hazards. The zero value is usable:
// every field documents its default.
type Config struct {
	// ArticlesPerLanguage is the number of articles per language
	// (default 28, at most 1000).
	ArticlesPerLanguage int
	// SlowDelay is how long /slow waits before it answers (default 5s); the
	// wait ends early when the client goes away.
	SlowDelay time.Duration
	// Latency is added before every generated HTML page (default 0), to
	// imitate a remote site in benchmarks.
	Latency time.Duration
	// BigPageBytes is the size of /big (default 8 MiB).
	BigPageBytes int64
	// BombBytes is the inflated size of /bomb (default 1 GiB); the gzip body
	// sent is about a thousandth of it.
	BombBytes int64
}

// withDefaults returns c with every unset or out-of-range field defaulted.
func (c Config) withDefaults() Config {
	if c.ArticlesPerLanguage <= 0 || c.ArticlesPerLanguage > 1000 {
		c.ArticlesPerLanguage = 28
	}
	if c.SlowDelay <= 0 {
		c.SlowDelay = 5 * time.Second
	}
	if c.Latency < 0 {
		c.Latency = 0
	}
	if c.BigPageBytes <= 0 {
		c.BigPageBytes = 8 << 20
	}
	if c.BombBytes <= 0 {
		c.BombBytes = 1 << 30
	}
	return c
}

// Page describes one generated HTML page a polite crawl finds: the root,
// the language indexes and the articles (not the special pages, drafts or
// duplicates).
type Page struct {
	Path  string
	Lang  string
	Title string
	// Topic and Sentiment ("positive" or "negative") are set for articles;
	// they are empty for the root and index pages, whose text is neutral.
	Topic     string
	Sentiment string
	// LangAttr reports whether the page declares its language in <html lang>;
	// some articles leave it out so a scraper must detect the language.
	LangAttr bool
	// Text is the page's main text as a reader sees it without navigation,
	// header and footer: its heading, paragraphs and list items, one line
	// each.
	Text string
}

// Pages lists the generated pages of a site built with cfg.
func Pages(cfg Config) []Page {
	cfg = cfg.withDefaults()
	out := []Page{{Path: "/", Lang: "en", Title: rootTitle, LangAttr: true, Text: blocksText(rootBlocks())}}
	for i := range languages {
		l := &languages[i]
		out = append(out, Page{Path: "/" + l.code + "/", Lang: l.code, Title: l.siteTitle, LangAttr: true,
			Text: blocksText(indexBlocks(l, cfg.ArticlesPerLanguage))})
		for n := 1; n <= cfg.ArticlesPerLanguage; n++ {
			a := article(*l, n)
			out = append(out, Page{Path: a.path, Lang: l.code, Title: a.title, Topic: topicNames[a.topic],
				Sentiment: sentimentName(a.sentiment), LangAttr: a.langAttr, Text: blocksText(a.blocks())})
		}
	}
	return out
}

// handler serves the site.
type handler struct {
	cfg       Config
	bombOnce  sync.Once
	bomb      []byte
	pngOnce   sync.Once
	png       []byte
	langByTag map[string]*language
}

// New returns the demo site's handler. Bad config values fall back to their
// defaults.
func New(cfg Config) http.Handler {
	h := &handler{cfg: cfg.withDefaults(), langByTag: make(map[string]*language, len(languages))}
	for i := range languages {
		h.langByTag[languages[i].code] = &languages[i]
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/":
		h.html(w, r, http.StatusOK, rootPage())
	case p == PathRobots:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(robotsTxt))
	case strings.HasPrefix(p, "/redirect/chain/"):
		h.redirect(w, r, strings.TrimPrefix(p, "/redirect/chain/"))
	case p == PathError:
		h.html(w, r, http.StatusServiceUnavailable, simplePage("en", "Service unavailable", "The server is overloaded, try again later."))
	case p == PathSlow:
		h.slow(w, r)
	case p == PathBig:
		h.big(w, r)
	case p == PathBomb:
		h.serveBomb(w, r)
	case p == PathPDF:
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write([]byte(pdfBytes))
	case p == PathPNG:
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(h.pngBytes())
	case p == PathJSON:
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"site":"demo","languages":%d}`, len(languages))
	case p == PathPrivate:
		h.html(w, r, http.StatusOK, simplePage("en", "Private area", "Crawlers that respect robots.txt never see this secret page."))
	default:
		h.langPage(w, r, p)
	}
}

// langPage serves /<lang>/, /<lang>/articles/<n>[/print] and /<lang>/drafts/<n>.
func (h *handler) langPage(w http.ResponseWriter, r *http.Request, p string) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	l, ok := h.langByTag[parts[0]]
	if !ok {
		h.notFound(w, r)
		return
	}
	if len(parts) == 1 {
		if !strings.HasSuffix(p, "/") {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		h.html(w, r, http.StatusOK, indexPage(l, h.cfg.ArticlesPerLanguage))
		return
	}
	if len(parts) < 3 {
		h.notFound(w, r)
		return
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 1 || n > h.cfg.ArticlesPerLanguage || strconv.Itoa(n) != parts[2] {
		h.notFound(w, r)
		return
	}
	switch {
	case parts[1] == "articles" && len(parts) == 3:
		h.html(w, r, http.StatusOK, articlePage(l, n, h.cfg.ArticlesPerLanguage, false))
	case parts[1] == "articles" && len(parts) == 4 && parts[3] == "print" && n == 1:
		h.html(w, r, http.StatusOK, articlePage(l, n, h.cfg.ArticlesPerLanguage, true))
	case parts[1] == "drafts" && len(parts) == 3:
		h.html(w, r, http.StatusOK, simplePage(l.code, "Draft "+strconv.Itoa(n), "Unpublished draft: robots.txt keeps crawlers out."))
	default:
		h.notFound(w, r)
	}
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.html(w, r, http.StatusNotFound, simplePage("en", "Page not found", "There is no page at this address."))
}

// html writes a generated page after the configured latency.
func (h *handler) html(w http.ResponseWriter, r *http.Request, status int, body string) {
	if !h.wait(r, h.cfg.Latency) {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// wait sleeps for d unless the request ends first; it reports whether the
// full wait elapsed.
func (h *handler) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// redirect serves /redirect/chain/<k>: 301 down to 1, then 302 to /en/.
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, rest string) {
	k, err := strconv.Atoi(rest)
	if err != nil || k < 1 || k > 20 || strconv.Itoa(k) != rest {
		h.notFound(w, r)
		return
	}
	if k == 1 {
		http.Redirect(w, r, redirectFinal, http.StatusFound)
		return
	}
	http.Redirect(w, r, "/redirect/chain/"+strconv.Itoa(k-1), http.StatusMovedPermanently)
}

func (h *handler) slow(w http.ResponseWriter, r *http.Request) {
	if !h.wait(r, h.cfg.SlowDelay) {
		return
	}
	h.html(w, r, http.StatusOK, simplePage("en", "A page that takes its time", "This page answers after a long wait."))
}

// big streams an HTML page of about BigPageBytes. Like every page that is
// not an article, its text carries no sentiment.
func (h *handler) big(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	en := languages[0]
	written, _ := fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><title>An oversized page</title></head><body><main>`)
	for i := 0; int64(written) < h.cfg.BigPageBytes; i++ {
		n, err := fmt.Fprintf(w, "<p>Paragraph %d. %s</p>\n", i, html.EscapeString(fmt.Sprintf(en.numbered, i)))
		if err != nil {
			return
		}
		written += n
	}
	_, _ = fmt.Fprint(w, "</main></body></html>")
}

const rootTitle = "Demo News: a multilingual demo site"

const robotsTxt = `# dagworker demo site
User-agent: *
Disallow: /private/
Disallow: /*/drafts/

User-agent: BadBot
Disallow: /
`

// pdfBytes is a minimal one-page PDF.
const pdfBytes = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
