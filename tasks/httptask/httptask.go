package httptask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/dagworker/dagworker/internal/ssrf"
	"github.com/dagworker/dagworker/tasks"
)

// Connections looks connections up (conn.Store does).
type Connections interface {
	Lookup(id string) (*url.URL, error)
}

// Config configures the http task type.
type Config struct {
	// Connections resolves http_conn. Default: none (http_conn is refused).
	Connections Connections
	// Transport is the base transport the SSRF guard wraps. Default: a
	// clone of http.DefaultTransport.
	Transport *http.Transport
	// UserAgent is sent unless a task sets one. Default "dagworker".
	UserAgent string
}

// Handler runs http tasks. It is safe for concurrent use.
type Handler struct{ cfg Config }

var _ tasks.Handler = (*Handler)(nil)

// Errors callers may branch on.
var (
	// ErrStatus is a response with a failing status.
	ErrStatus = errors.New("http: unexpected status")
	// ErrCheck is a response that fails response_check or response_filter.
	ErrCheck = errors.New("http: response check failed")
)

// New returns an http handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "dagworker"
	}
	return &Handler{cfg: cfg}, nil
}

// Result is what Run returns when there is no response_filter: the status
// and the body (as text; JSON when the response is JSON), as Airflow's
// HttpOperator returns response.text.
type Result struct {
	Status    int    `json:"status"`
	Body      any    `json:"body,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
	URL       string `json:"url"`
}

// Run sends the request of one try.
func (h *Handler) Run(ctx context.Context, t *tasks.Task) (any, error) {
	a, timeout, err := parseArgs(t)
	if err != nil {
		return nil, err
	}
	target, guard, err := h.target(a)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	var contentType string
	switch {
	case len(a.JSON) > 0:
		body, contentType = bytes.NewReader(a.JSON), "application/json"
	case a.Data != nil:
		body = strings.NewReader(*a.Data)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, a.Method, target.String(), body)
	if err != nil {
		return nil, tasks.InvalidArg("url", "%v", err)
	}
	req.Header.Set("User-Agent", h.cfg.UserAgent)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range a.Headers {
		req.Header.Set(k, v)
	}
	if target.User != nil && req.Header.Get("Authorization") == "" {
		pass, _ := target.User.Password()
		req.SetBasicAuth(target.User.Username(), pass)
	}
	client := guard.Client(h.cfg.Transport, timeout)
	resp, err := client.Do(req)
	if err != nil {
		return nil, h.sendError(err, guard)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("http: read the response: %w", err)
	}
	if len(data) > MaxBodyBytes {
		return nil, fmt.Errorf("%w: the response is over %d bytes", ErrCheck, MaxBodyBytes)
	}
	if t.Logger != nil {
		t.Logger.Info("http response", "method", a.Method, "url", redact(target), "status", resp.StatusCode, "bytes", len(data))
	}
	if err := check(a.ResponseCheck, resp.StatusCode, data); err != nil {
		return nil, err
	}
	return result(a, redact(target), resp, data)
}

// target resolves the URL and the guard that applies to it.
func (h *Handler) target(a Args) (*url.URL, *ssrf.Guard, error) {
	guard := &ssrf.Guard{}
	if a.URL != "" {
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, nil, tasks.InvalidArg("url", "%q is not an http(s) URL", a.URL)
		}
		return u, guard, nil
	}
	if h.cfg.Connections == nil {
		return nil, nil, tasks.InvalidArg("http_conn", "this worker has no connections configured")
	}
	base, err := h.cfg.Connections.Lookup(a.HTTPConn)
	if err != nil {
		return nil, nil, tasks.InvalidArg("http_conn", "%v", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, nil, tasks.InvalidArg("http_conn", "connection %q is %s, not http(s)", a.HTTPConn, base.Scheme)
	}
	guard.AllowPrivate = base.Query().Get("allow_private") == "true"
	u := *base
	u.RawQuery = ""
	ep, err := url.Parse(strings.TrimPrefix(a.Endpoint, "/"))
	if err != nil || ep.IsAbs() || ep.Host != "" {
		return nil, nil, tasks.InvalidArg("endpoint", "%q is not a path", a.Endpoint)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	resolved := u.ResolveReference(ep)
	resolved.User = base.User
	return resolved, guard, nil
}

// sendError classifies a failed request: refused addresses are permanent,
// timeouts and connection errors are retried.
func (h *Handler) sendError(err error, guard *ssrf.Guard) error {
	if errors.Is(err, ssrf.ErrBlocked) {
		hint := ""
		if !guard.AllowPrivate {
			hint = " (a connection with ?allow_private=true in its URI may reach private addresses)"
		}
		return fmt.Errorf("http: %w%s: %w", err, hint, tasks.ErrInvalidArgs)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("http: timeout: %w", err)
	}
	return fmt.Errorf("http: %w", err)
}

// check applies response_check, or the default 2xx check.
func check(c *Check, status int, data []byte) error {
	ok := status >= 200 && status < 300
	if c != nil && len(c.Status) > 0 {
		ok = slices.Contains(c.Status, status)
	}
	if !ok {
		err := fmt.Errorf("%w %d: %s", ErrStatus, status, snippet(data))
		if status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout {
			return err // retried
		}
		return fmt.Errorf("%w (%w)", err, tasks.ErrInvalidArgs)
	}
	if c == nil || c.JSONPath == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("%w: the response is not JSON: %w", ErrCheck, tasks.ErrInvalidArgs)
	}
	got, found := lookup(v, c.JSONPath)
	if !found {
		return fmt.Errorf("%w: no value at %s: %w", ErrCheck, c.JSONPath, tasks.ErrInvalidArgs)
	}
	if len(c.Equals) > 0 {
		var want any
		if err := json.Unmarshal(c.Equals, &want); err != nil {
			return tasks.InvalidArg("response_check", "equals is not JSON")
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("%w: %s is %s, want %s: %w", ErrCheck, c.JSONPath, describe(got), describe(want), tasks.ErrInvalidArgs)
		}
	}
	return nil
}

// result is the XCom: the value response_filter selects, or the status and
// body.
func result(a Args, target string, resp *http.Response, data []byte) (any, error) {
	var parsed any
	isJSON := json.Unmarshal(data, &parsed) == nil
	if a.ResponseFilter != "" {
		if !isJSON {
			return nil, fmt.Errorf("%w: response_filter needs a JSON response: %w", ErrCheck, tasks.ErrInvalidArgs)
		}
		v, ok := lookup(parsed, a.ResponseFilter)
		if !ok {
			return nil, fmt.Errorf("%w: response_filter: no value at %s: %w", ErrCheck, a.ResponseFilter, tasks.ErrInvalidArgs)
		}
		if b, _ := json.Marshal(v); len(b) > MaxXComBytes {
			return nil, fmt.Errorf("%w: response_filter selects %d bytes, over %d: %w", ErrCheck, len(b), MaxXComBytes, tasks.ErrInvalidArgs)
		}
		return v, nil
	}
	res := Result{Status: resp.StatusCode, URL: target}
	switch {
	case len(data) > MaxXComBytes:
		res.Truncated = true
	case isJSON:
		res.Body = parsed
	case len(data) > 0:
		res.Body = strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return res, nil
}

// redact drops the password of a URL for logs and results.
func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	return c.String()
}

// snippet is the start of a response body for an error message.
func snippet(b []byte) string {
	if len(b) > 200 {
		return strings.ToValidUTF8(string(b[:200]), "") + "…" // a rune cut at the end is dropped
	}
	return strings.ToValidUTF8(string(b), "")
}
