package scrape

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/temoto/robotstxt"
)

// robotsMaxRedirects is how many redirects a robots.txt fetch follows
// (RFC 9309 section 2.3.1.2: at least five).
const robotsMaxRedirects = 5

// robotsCache fetches and caches robots.txt per origin and answers whether
// a URL may be crawled, following RFC 9309:
//   - 2xx: the file's rules for our user agent (longest match wins);
//   - 4xx, or more than five redirects: no rules, everything is allowed;
//   - 5xx, or unreachable (network error, timeout, refused address):
//     everything is disallowed for now; the error is returned so each page
//     counts as failed (and a try that fetched nothing is retried).
//
// colly's own robots handling is not used: it ignores a 5xx robots.txt
// (temoto/robotstxt's disallow-all is lost through FindGroup) and fails the
// request on a network error without saying why.
type robotsCache struct {
	client    *http.Client
	userAgent string

	mu      sync.Mutex
	origins map[string]*robotsEntry
}

type robotsEntry struct {
	once sync.Once
	data *robotstxt.RobotsData
	err  error
}

func newRobotsCache(client *http.Client, userAgent string) *robotsCache {
	return &robotsCache{client: client, userAgent: userAgent, origins: map[string]*robotsEntry{}}
}

// allowed reports whether u may be fetched. A non-nil error means the
// robots.txt could not be fetched at all (and u must not be fetched).
func (c *robotsCache) allowed(ctx context.Context, u *url.URL) (bool, error) {
	origin := u.Scheme + "://" + u.Host
	c.mu.Lock()
	e, ok := c.origins[origin]
	if !ok {
		e = &robotsEntry{}
		c.origins[origin] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.data, e.err = c.fetch(ctx, origin) })
	if e.err != nil {
		return false, e.err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return e.data.TestAgent(path, c.userAgent), nil
}

func (c *robotsCache) fetch(ctx context.Context, origin string) (*robotstxt.RobotsData, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/robots.txt", nil)
	if err != nil {
		return nil, fmt.Errorf("robots.txt: %w", err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "text/plain,*/*;q=0.5")
	res, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("robots.txt unreachable: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("robots.txt unreachable: %w", err)
	}
	switch {
	case res.StatusCode >= 300 && res.StatusCode < 500:
		// 4xx, or a redirect chain we stopped following: unavailable.
		return robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	case res.StatusCode >= 500 || res.StatusCode < 200:
		return nil, fmt.Errorf("%w: robots.txt answered HTTP %d", errRobotsUnavailable, res.StatusCode)
	}
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		// RFC 9309 asks crawlers to use what parses; the parser gives all or
		// nothing, so an unparseable file allows everything.
		return robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	}
	return data, nil
}

// robotsCheckRedirect stops a robots.txt fetch after robotsMaxRedirects
// redirects (the last response is then treated as unavailable) and applies
// the SSRF redirect check.
func robotsCheckRedirect(check func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > robotsMaxRedirects {
			return http.ErrUseLastResponse
		}
		return check(req, via)
	}
}
