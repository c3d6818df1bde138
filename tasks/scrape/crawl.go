package scrape

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"

	"github.com/dagworker/dagworker/internal/ssrf"
)

// Keys of the per-request colly context.
const (
	ctxURL   = "dagworker_url"   // the URL as requested, before redirects
	ctxDepth = "dagworker_depth" // links followed from a start URL
	ctxSkip  = "dagworker_skip"  // set when the response was skipped as non-HTML
)

// maxErrorLen bounds an error message kept in the return value.
const maxErrorLen = 300

// crawler runs one scrape: a colly collector with our own visit logic
// (depth, page budget, follow patterns, robots.txt, de-duplication).
type crawler struct {
	ctx    context.Context
	cancel context.CancelFunc
	s      settings
	log    *slog.Logger
	clock  func() time.Time
	col    *colly.Collector
	robots *robotsCache
	pacer  pacer
	// checkRedirect is the SSRF guard's redirect check.
	checkRedirect func(*http.Request, []*http.Request) error

	mu       sync.Mutex
	enc      *json.Encoder
	writeErr error
	visited  map[string]bool // normalised URLs requested or redirected to
	hashes   map[string]bool // content hashes written
	admitted int             // requests started, bounded by maxPages
	hosts    map[string]bool // hosts with a parallelism rule
	res      Result
}

// crawlDeps are the HTTP pieces a crawl uses.
type crawlDeps struct {
	transport           http.RoundTripper
	checkRedirect       func(*http.Request, []*http.Request) error
	robotsCheckRedirect func(*http.Request, []*http.Request) error
}

func newCrawler(ctx context.Context, s settings, log *slog.Logger, clock func() time.Time, d crawlDeps) *crawler {
	ctx, cancel := context.WithCancel(ctx)
	c := &crawler{
		ctx: ctx, cancel: cancel, s: s, log: log, clock: clock,
		checkRedirect: d.checkRedirect,
		pacer:         pacer{delay: s.delay, next: map[string]time.Time{}},
		visited:       map[string]bool{},
		hashes:        map[string]bool{},
		hosts:         map[string]bool{},
		res:           Result{Languages: map[string]int{}},
	}
	robotsClient := &http.Client{Transport: d.transport, Timeout: s.timeout, CheckRedirect: robotsCheckRedirect(d.robotsCheckRedirect)}
	c.robots = newRobotsCache(robotsClient, s.userAgent)

	jar, _ := cookiejar.New(nil) // nil options cannot fail
	col := &colly.Collector{}
	col.Init() // not NewCollector: it reads COLLY_* environment variables
	col.UserAgent = s.userAgent
	hdr := http.Header{"Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"}}
	col.Headers = &hdr
	col.AllowedDomains = s.allowedDomains
	col.AllowURLRevisit = true // de-duplication is ours (colly's check is racy)
	col.IgnoreRobotsTxt = true // robots.txt is ours (RFC 9309 status rules)
	col.MaxDepth = 0           // depth is ours
	col.MaxBodySize = 0        // the transport cuts bodies after decompression
	col.Async = true
	col.Context = ctx
	col.SetClient(&http.Client{Transport: d.transport, Timeout: s.timeout, Jar: jar})
	col.SetRedirectHandler(c.onRedirect)
	col.OnRequest(c.onRequest)
	col.OnResponseHeaders(c.onResponseHeaders)
	col.OnResponse(c.onResponse)
	col.OnError(c.onError)
	col.OnHTML("html", c.onHTML)
	c.col = col
	return c
}

// run crawls from the start URLs, writing one JSON line per distinct page
// to w, and returns when the crawl is over.
func (c *crawler) run(w io.Writer) error {
	defer c.cancel()
	bw := bufio.NewWriterSize(w, 64<<10)
	c.enc = json.NewEncoder(bw)
	c.enc.SetEscapeHTML(false)
	for _, u := range c.s.urls {
		c.visit(u, 0, false)
	}
	c.col.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writeErr != nil {
		return c.writeErr
	}
	return bw.Flush()
}

// result returns the crawl's counts; call it after run.
func (c *crawler) result() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.res
}

// visit requests u unless it was seen, is off the allowed domains, misses
// the follow patterns (links only), is disallowed by robots.txt or the page
// budget is spent.
func (c *crawler) visit(u *url.URL, depth int, link bool) {
	if t, ok := c.candidate(u, link); ok {
		c.request(c.admit([]target{t}), depth)
	}
}

// target is a URL the crawl may request: normalised, and its key (the
// normalised URL as a string).
type target struct {
	key string
	u   *url.URL
}

// visitAll visits the links of one page. Their page budget is reserved at
// once, in document order, so that a page parsed concurrently cannot take
// the budget between this page's links: the links of a shallower page are
// admitted before the deeper pages they lead to compete for what is left.
func (c *crawler) visitAll(us []*url.URL, depth int) {
	ts := make([]target, 0, len(us))
	for _, u := range us {
		if t, ok := c.candidate(u, true); ok {
			ts = append(ts, t)
		}
	}
	c.request(c.admit(ts), depth)
}

// candidate normalises u and reports whether the crawl may follow it at
// all (scheme, host, allowed domains, follow patterns).
func (c *crawler) candidate(u *url.URL, link bool) (target, bool) {
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil {
		return target{}, false
	}
	n := normalize(u)
	if h, err := asciiHost(n.Hostname()); err != nil {
		return target{}, false
	} else if h != n.Hostname() {
		port := n.Port()
		n.Host = h
		if port != "" {
			n.Host = net.JoinHostPort(h, port)
		}
	}
	key := n.String()
	if len(key) > maxURLLen || !c.domainAllowed(n.Hostname()) {
		return target{}, false
	}
	if link && len(c.s.follow) > 0 && !matchAny(c.s.follow, key) {
		return target{}, false
	}
	return target{key: key, u: n}, true
}

// admit marks the targets not seen before as visited and reserves the page
// budget for them, in order, until it is spent; it returns those admitted.
func (c *crawler) admit(ts []target) []target {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []target
	for _, t := range ts {
		if c.visited[t.key] || c.admitted >= c.s.maxPages {
			continue
		}
		c.visited[t.key] = true
		c.admitted++
		out = append(out, t)
	}
	return out
}

// request checks robots.txt for each admitted target (a disallowed one
// gives its budget back) and requests the others.
func (c *crawler) request(ts []target, depth int) {
	for _, t := range ts {
		key, n := t.key, t.u
		if c.s.respectRobots {
			ok, err := c.robots.allowed(c.ctx, n)
			if err != nil {
				c.release()
				if c.ctx.Err() == nil {
					c.fail(key, 0, err)
				}
				continue
			}
			if !ok {
				c.release()
				c.skipRobots(key)
				continue
			}
		}
		c.mu.Lock()
		if !c.hosts[n.Host] {
			c.hosts[n.Host] = true
			// A quoted host is a valid pattern: Limit cannot fail here.
			_ = c.col.Limit(&colly.LimitRule{DomainRegexp: "^" + regexp.QuoteMeta(n.Host) + "$", Parallelism: c.s.parallelism})
		}
		c.mu.Unlock()
		rctx := colly.NewContext()
		rctx.Put(ctxURL, key)
		rctx.Put(ctxDepth, depth)
		if err := c.col.Request(http.MethodGet, key, nil, rctx, nil); err != nil {
			c.log.DebugContext(c.ctx, "scrape: not requested", "url", key, "reason", err.Error())
		}
	}
}

// release gives back the budget of an admitted page that is not requested.
func (c *crawler) release() {
	c.mu.Lock()
	c.admitted--
	c.mu.Unlock()
}

func (c *crawler) domainAllowed(host string) bool {
	for _, d := range c.s.allowedDomains {
		if d == host {
			return true
		}
	}
	return false
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// onRedirect vets a redirect target: the SSRF guard (address literals,
// redirect count), robots.txt, and pages already fetched.
func (c *crawler) onRedirect(req *http.Request, via []*http.Request) error {
	if err := c.checkRedirect(req, via); err != nil {
		return err
	}
	n := normalize(req.URL)
	key := n.String()
	if c.s.respectRobots {
		ok, err := c.robots.allowed(c.ctx, n)
		if err != nil {
			return err
		}
		if !ok {
			return &url.Error{Op: "redirect", URL: key, Err: errRobots}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if key == normalize(via[0].URL).String() {
		return nil // a redirect back to the page itself (cookie set-up)
	}
	if c.visited[key] {
		return &url.Error{Op: "redirect", URL: key, Err: errDuplicate}
	}
	c.visited[key] = true
	return nil
}

func (c *crawler) onRequest(r *colly.Request) {
	if c.ctx.Err() != nil || c.pacer.wait(c.ctx, r.URL.Host) != nil {
		r.Abort()
	}
}

// onResponseHeaders stops the download of a successful non-HTML response.
func (c *crawler) onResponseHeaders(r *colly.Response) {
	if r.StatusCode < 200 || r.StatusCode > 299 {
		return
	}
	ct := r.Headers.Get("Content-Type")
	if ct == "" || isHTML(ct, r.Request.URL.Path) {
		return
	}
	r.Ctx.Put(ctxSkip, "1")
	r.Request.Abort()
	c.skipNonHTML(r.Ctx.Get(ctxURL), ct)
}

// onResponse counts a response without Content-Type that does not sniff
// as HTML.
func (c *crawler) onResponse(r *colly.Response) {
	if r.Headers.Get("Content-Type") != "" {
		return
	}
	if !isHTML(http.DetectContentType(r.Body), r.Request.URL.Path) {
		c.skipNonHTML(r.Ctx.Get(ctxURL), "")
	}
}

func isHTML(contentType, path string) bool {
	ct := strings.ToLower(contentType)
	// colly gunzips such bodies itself, unbounded: never let it.
	if strings.Contains(ct, "gzip") || strings.HasSuffix(strings.ToLower(path), ".xml.gz") {
		return false
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

func (c *crawler) onError(r *colly.Response, err error) {
	if c.ctx.Err() != nil || r.Ctx.Get(ctxSkip) != "" || errors.Is(err, colly.ErrAbortedBeforeRequest) {
		return
	}
	u := r.Ctx.Get(ctxURL)
	switch {
	case errors.Is(err, errDuplicate):
		c.mu.Lock()
		c.res.Duplicates++
		c.mu.Unlock()
	case errors.Is(err, errRobots):
		c.skipRobots(u)
	default:
		c.fail(u, r.StatusCode, err)
	}
}

func (c *crawler) onHTML(e *colly.HTMLElement) {
	if e.Index != 0 {
		return
	}
	depth, _ := e.Request.Ctx.GetAny(ctxDepth).(int)
	title, text := extract(e.DOM.Nodes[0], c.s.selector)
	title = strings.ToValidUTF8(title, "\uFFFD")
	text = strings.ToValidUTF8(text, "\uFFFD")
	lang := docLang(e.Attr("lang"))
	if lang == "" {
		lang = docLang(e.Attr("xml:lang"))
	}
	if lang == "" {
		lang = detectLang(title + "\n" + text)
	}
	sum := sha256.Sum256([]byte(title + "\n" + text))
	c.write(Page{
		URL:       e.Request.Ctx.Get(ctxURL),
		FinalURL:  e.Request.URL.String(),
		Status:    e.Response.StatusCode,
		Title:     title,
		Text:      text,
		Lang:      lang,
		FetchedAt: c.clock().UTC(),
		SHA256:    hex.EncodeToString(sum[:]),
		Depth:     depth,
		Truncated: e.Response.Headers.Get(truncatedHeader) != "",
	})
	if depth >= c.s.maxDepth {
		return
	}
	base := e.Request.URL
	if href, ok := e.DOM.Find("head base[href]").First().Attr("href"); ok {
		if b, err := base.Parse(strings.TrimSpace(href)); err == nil {
			base = b
		}
	}
	seen := map[string]bool{}
	var links []*url.URL
	e.DOM.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		href := strings.TrimSpace(a.AttrOr("href", ""))
		if href == "" || href[0] == '#' || seen[href] {
			return
		}
		seen[href] = true
		if u, err := base.Parse(href); err == nil {
			links = append(links, u)
		}
	})
	c.visitAll(links, depth+1)
}

// write appends a page unless its content was written before.
func (c *crawler) write(p Page) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Fetched++
	if p.Truncated {
		c.res.Truncated++
	}
	if c.hashes[p.SHA256] {
		c.res.Duplicates++
		return
	}
	c.hashes[p.SHA256] = true
	if c.writeErr != nil {
		return
	}
	if err := c.enc.Encode(p); err != nil {
		c.writeErr = err
		c.cancel()
		return
	}
	c.res.Pages++
	lang := p.Lang
	if lang == "" {
		lang = "und"
	}
	c.res.Languages[lang]++
}

func (c *crawler) fail(u string, status int, err error) {
	msg := err.Error()
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		msg = "timeout after " + c.s.timeout.String() + ": " + msg
	}
	if status > 0 {
		msg = strings.TrimSpace(fmt.Sprintf("HTTP %d %s", status, http.StatusText(status)))
	}
	if errors.Is(err, ssrf.ErrBlocked) && !c.s.allowPrivate {
		msg += " (set allow_private: true to scrape private and loopback addresses)"
	}
	retry := retryable(err, status)
	c.mu.Lock()
	c.res.Failed++
	if len(c.res.Failures) < maxReportedFailures {
		c.res.Failures = append(c.res.Failures, Failure{URL: u, Status: status, Error: truncate(msg, maxErrorLen), Retryable: retry})
	}
	c.mu.Unlock()
	c.log.WarnContext(c.ctx, "scrape: page failed", "url", u, "status", status, "error", msg, "retryable", retry)
}

func (c *crawler) skipRobots(u string) {
	c.mu.Lock()
	c.res.SkippedRobots++
	c.mu.Unlock()
	c.log.InfoContext(c.ctx, "scrape: disallowed by robots.txt", "url", u)
}

func (c *crawler) skipNonHTML(u, contentType string) {
	c.mu.Lock()
	c.res.SkippedNonHTML++
	c.mu.Unlock()
	c.log.InfoContext(c.ctx, "scrape: not HTML", "url", u, "content_type", contentType)
}

// retryable reports whether a page failure may go away on a later try.
func retryable(err error, status int) bool {
	switch {
	case status >= 500, status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		return true
	case status >= 400:
		return false
	case errors.Is(err, ssrf.ErrBlocked), errors.Is(err, ssrf.ErrTooManyRedirects),
		errors.Is(err, colly.ErrForbiddenDomain), errors.Is(err, colly.ErrForbiddenURL):
		return false
	}
	return true
}

// pacer spaces request starts to one host by delay.
type pacer struct {
	delay time.Duration
	mu    sync.Mutex
	next  map[string]time.Time
}

func (p *pacer) wait(ctx context.Context, host string) error {
	if p.delay <= 0 {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	at := p.next[host]
	if at.Before(now) {
		at = now
	}
	p.next[host] = at.Add(p.delay)
	p.mu.Unlock()
	d := at.Sub(now)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
