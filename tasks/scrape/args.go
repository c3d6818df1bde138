package scrape

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/idna"

	"github.com/dagworker/dagworker/tasks"
)

// Argument limits: defaults and the hard caps a DAG cannot exceed.
const (
	DefaultMaxDepth     = 3
	MaxMaxDepth         = 50
	DefaultMaxPages     = 100
	MaxMaxPages         = 10000
	DefaultParallelism  = 4
	MaxParallelism      = 32
	DefaultTimeout      = 30 * time.Second
	MaxTimeout          = 10 * time.Minute
	MaxDelay            = time.Minute
	DefaultMaxBodyBytes = 5 << 20
	MaxMaxBodyBytes     = 64 << 20
	MinMaxBodyBytes     = 1 << 10
	DefaultMaxRedirects = 10
	MaxMaxRedirects     = 30

	maxURLs       = 1000
	maxURLLen     = 2048
	maxDomains    = 100
	maxPatterns   = 50
	maxPatternLen = 1000
	maxSelector   = 1000
	maxUserAgent  = 256
)

// Args are the scrape task's arguments, decoded strictly from the task's
// JSON (unknown names are errors).
type Args struct {
	// URLs are the start pages (http or https): a list or a single string.
	URLs StringList `json:"urls"`
	// URL is a single start page, for `--arg url=...`; merged with URLs.
	URL string `json:"url"`
	// AllowedDomains are the host names the crawl may visit (exact match).
	// Default: the host names of the start URLs.
	AllowedDomains StringList `json:"allowed_domains"`
	// MaxDepth is how many links away from a start page the crawl goes
	// (0: the start pages only). Default 3, at most 50.
	MaxDepth *int `json:"max_depth"`
	// MaxPages bounds the pages requested. Default 100, at most 10000.
	MaxPages *int `json:"max_pages"`
	// Follow are regular expressions (RE2); when set, a link is followed
	// only if its absolute URL matches one of them.
	Follow StringList `json:"follow"`
	// Selector is a CSS selector for the main text. Default: the page's
	// main (or article, or body) element without nav, header, footer,
	// aside, script, style, noscript and template elements.
	Selector string `json:"selector"`
	// RespectRobots honours robots.txt (RFC 9309). Default true.
	RespectRobots *bool `json:"respect_robots"`
	// Delay is the minimum time between request starts to one host
	// ("500ms" or seconds as a number). Default 0, at most 1m.
	Delay Duration `json:"delay"`
	// Parallelism bounds concurrent requests per host. Default 4, at most 32.
	Parallelism *int `json:"parallelism"`
	// UserAgent is sent with every request. Default names dagworker, its
	// version and project URL.
	UserAgent string `json:"user_agent"`
	// Timeout bounds one request including its body. Default 30s, at most 10m.
	Timeout Duration `json:"timeout"`
	// MaxBodyBytes cuts each response body (after decompression); a cut page
	// is kept with truncated: true. Default 5 MiB, 1 KiB to 64 MiB.
	MaxBodyBytes *int64 `json:"max_body_bytes"`
	// MaxRedirects bounds the redirects followed per page (0: none).
	// Default 10, at most 30.
	MaxRedirects *int `json:"max_redirects"`
	// AllowPrivate lets the crawl reach loopback, private and link-local
	// addresses (tests, demos, intranets). Default false.
	AllowPrivate bool `json:"allow_private"`
}

// ArgNames returns the JSON names of the scrape task's arguments, for DAG
// validation.
func ArgNames() []string {
	t := reflect.TypeFor[Args]()
	names := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// StringList is a JSON list of strings that also accepts a single string.
type StringList []string

// UnmarshalJSON accepts a string, a list of strings or null.
func (l *StringList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*l = nil
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = StringList{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[[]string]()}
	}
	*l = list
	return nil
}

// Duration is a time.Duration in JSON: a Go duration string ("1.5s",
// "250ms") or a number of seconds.
type Duration time.Duration

// UnmarshalJSON accepts a duration string, a number of seconds or null.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*d = 0
		return nil
	}
	bad := &json.UnmarshalTypeError{Value: jsonKind(b) + " " + truncate(string(b), 40), Type: reflect.TypeFor[time.Duration]()}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return bad
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return bad
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil || secs > float64(1<<62)/float64(time.Second) || secs < -float64(1<<62)/float64(time.Second) {
		return bad
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// settings are validated arguments with every default filled in.
type settings struct {
	urls           []*url.URL
	allowedDomains []string
	maxDepth       int
	maxPages       int
	follow         []*regexp.Regexp
	selector       cascadia.SelectorGroup // nil: default extraction
	respectRobots  bool
	delay          time.Duration
	parallelism    int
	userAgent      string
	timeout        time.Duration
	maxBodyBytes   int64
	maxRedirects   int
	allowPrivate   bool
}

// parseArgs decodes and validates the task's arguments.
func parseArgs(t *tasks.Task, defaultUA string) (settings, error) {
	var a Args
	if err := tasks.DecodeArgs(t, &a); err != nil {
		return settings{}, err
	}
	return a.validate(defaultUA)
}

func (a Args) validate(defaultUA string) (settings, error) {
	s := settings{allowPrivate: a.AllowPrivate}
	raw := append([]string(nil), a.URLs...)
	if a.URL != "" {
		raw = append(raw, a.URL)
	}
	if len(raw) == 0 {
		return s, tasks.InvalidArg("urls", "at least one start URL is required")
	}
	if len(raw) > maxURLs {
		return s, tasks.InvalidArg("urls", "%d URLs, at most %d", len(raw), maxURLs)
	}
	hosts := map[string]bool{}
	for _, r := range raw {
		u, err := parseStartURL(r)
		if err != nil {
			return s, tasks.InvalidArg("urls", "%v", err)
		}
		s.urls = append(s.urls, u)
		if !hosts[u.Hostname()] {
			hosts[u.Hostname()] = true
			s.allowedDomains = append(s.allowedDomains, u.Hostname())
		}
	}
	if len(a.AllowedDomains) > 0 {
		if len(a.AllowedDomains) > maxDomains {
			return s, tasks.InvalidArg("allowed_domains", "%d domains, at most %d", len(a.AllowedDomains), maxDomains)
		}
		s.allowedDomains = nil
		for _, d := range a.AllowedDomains {
			d, err := asciiHost(strings.TrimSuffix(strings.TrimSpace(d), "."))
			if err != nil || !validHost(d) {
				return s, tasks.InvalidArg("allowed_domains", "%q is not a host name", truncate(d, 80))
			}
			s.allowedDomains = append(s.allowedDomains, d)
		}
	}
	var err error
	if s.maxDepth, err = tasks.IntArg("max_depth", a.MaxDepth, DefaultMaxDepth, 0, MaxMaxDepth); err != nil {
		return s, err
	}
	if s.maxPages, err = tasks.IntArg("max_pages", a.MaxPages, DefaultMaxPages, 1, MaxMaxPages); err != nil {
		return s, err
	}
	if s.parallelism, err = tasks.IntArg("parallelism", a.Parallelism, DefaultParallelism, 1, MaxParallelism); err != nil {
		return s, err
	}
	if s.maxRedirects, err = tasks.IntArg("max_redirects", a.MaxRedirects, DefaultMaxRedirects, 0, MaxMaxRedirects); err != nil {
		return s, err
	}
	if s.maxBodyBytes, err = tasks.IntArg("max_body_bytes", a.MaxBodyBytes, DefaultMaxBodyBytes, MinMaxBodyBytes, MaxMaxBodyBytes); err != nil {
		return s, err
	}
	if len(a.Follow) > maxPatterns {
		return s, tasks.InvalidArg("follow", "%d patterns, at most %d", len(a.Follow), maxPatterns)
	}
	for _, p := range a.Follow {
		if len(p) > maxPatternLen {
			return s, tasks.InvalidArg("follow", "pattern longer than %d bytes", maxPatternLen)
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return s, tasks.InvalidArg("follow", "%v", err)
		}
		s.follow = append(s.follow, re)
	}
	if sel := strings.TrimSpace(a.Selector); sel != "" {
		if len(sel) > maxSelector {
			return s, tasks.InvalidArg("selector", "longer than %d bytes", maxSelector)
		}
		g, err := cascadia.ParseGroup(sel)
		if err != nil {
			return s, tasks.InvalidArg("selector", "%v", err)
		}
		s.selector = g
	}
	s.respectRobots = a.RespectRobots == nil || *a.RespectRobots
	s.delay = time.Duration(a.Delay)
	if s.delay < 0 || s.delay > MaxDelay {
		return s, tasks.InvalidArg("delay", "%v is outside 0..%v", s.delay, MaxDelay)
	}
	s.timeout = time.Duration(a.Timeout)
	if a.Timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.timeout <= 0 || s.timeout > MaxTimeout {
		return s, tasks.InvalidArg("timeout", "%v is outside (0, %v]", s.timeout, MaxTimeout)
	}
	s.userAgent = defaultUA
	if a.UserAgent != "" {
		if len(a.UserAgent) > maxUserAgent {
			return s, tasks.InvalidArg("user_agent", "longer than %d bytes", maxUserAgent)
		}
		for _, r := range a.UserAgent {
			if r < 0x20 || r > 0x7e {
				return s, tasks.InvalidArg("user_agent", "only printable ASCII is allowed, found %q", r)
			}
		}
		s.userAgent = a.UserAgent
	}
	return s, nil
}

// parseStartURL accepts an absolute http(s) URL with a host and without
// user info.
func parseStartURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("empty URL")
	}
	if len(raw) > maxURLLen {
		return nil, fmt.Errorf("URL longer than %d bytes", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", truncate(raw, 80), errorsCause(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme must be http or https", truncate(raw, 80))
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q: user info is not allowed in URLs", u.Redacted())
	}
	host, err := asciiHost(u.Hostname())
	if err != nil || !validHost(host) {
		return nil, fmt.Errorf("%q: no valid host", truncate(raw, 80))
	}
	if host != strings.ToLower(u.Hostname()) {
		if port := u.Port(); port != "" {
			u.Host = net.JoinHostPort(host, port)
		} else {
			u.Host = host
		}
	}
	return normalize(u), nil
}

func errorsCause(err error) error {
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// asciiHost lower-cases a host name and turns an internationalised name
// into its ASCII (punycode) form.
func asciiHost(h string) (string, error) {
	h = strings.ToLower(h)
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			return idna.Lookup.ToASCII(h)
		}
	}
	return h, nil
}

// validHost accepts a DNS name (letters, digits, '-', '_', dots) or an IP
// literal.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// normalize returns a copy of u in the form used to recognise a page:
// lower-case scheme and host, no default port, no fragment, "/" for an
// empty path. u must be an absolute http(s) URL with a host.
func normalize(u *url.URL) *url.URL {
	n := *u
	n.User = nil
	n.Scheme = strings.ToLower(n.Scheme)
	host := strings.ToLower(n.Host)
	if h, port, err := net.SplitHostPort(host); err == nil &&
		(n.Scheme == "http" && port == "80" || n.Scheme == "https" && port == "443") {
		host = h
		if strings.Contains(h, ":") {
			host = "[" + h + "]"
		}
	}
	n.Host = host
	n.Fragment, n.RawFragment = "", ""
	if n.Path == "" && n.Opaque == "" {
		n.Path, n.RawPath = "/", ""
	}
	return &n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
