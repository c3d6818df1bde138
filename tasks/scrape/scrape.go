package scrape

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/dagworker/dagworker/internal/ssrf"
	"github.com/dagworker/dagworker/tasks"
)

// TaskType is the task type name the scrape handler is registered under.
const TaskType = "scrape"

// OutputName is the name of the output object in the run's prefix.
const OutputName = "pages.jsonl"

// maxReportedFailures bounds the failures listed in the return value.
const maxReportedFailures = 20

// Config configures the scrape handler. The zero value is usable.
type Config struct {
	// HTTPClientBase holds the transport settings (timeouts, TLS, pool
	// sizes) each run clones; the SSRF guard then replaces its dialer and
	// drops any proxy. Default: net/http's default transport settings.
	HTTPClientBase *http.Transport
	// Resolver resolves host names for the guarded dialer. Default: the
	// system resolver.
	Resolver *net.Resolver
	// Clock returns the time recorded as fetched_at. Default: time.Now.
	Clock func() time.Time
	// Version is the dagworker version named in the default user agent.
	// Default "dev".
	Version string
	// TracerProvider records a client span per HTTP fetch (robots.txt
	// included), a child of the try's span in the task's context. No trace
	// header is sent to the sites. Default nil: no spans.
	TracerProvider trace.TracerProvider
}

// Handler runs scrape tasks. It is safe for concurrent use.
type Handler struct {
	cfg       Config
	defaultUA string
}

// New returns a scrape handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	for _, r := range cfg.Version {
		if r <= 0x20 || r > 0x7e || r == '(' || r == ')' {
			return nil, fmt.Errorf("scrape: version %q must be printable ASCII without spaces or parentheses", cfg.Version)
		}
	}
	return &Handler{cfg: cfg, defaultUA: "dagworker/" + cfg.Version + " (+https://github.com/dagworker/dagworker)"}, nil
}

// DefaultUserAgent is the user agent sent when the task sets none.
func (h *Handler) DefaultUserAgent() string { return h.defaultUA }

// Page is one line of pages.jsonl.
type Page struct {
	// URL is the URL requested (a start URL or a followed link).
	URL string `json:"url"`
	// FinalURL is the URL after redirects.
	FinalURL string `json:"final_url"`
	Status   int    `json:"status"`
	Title    string `json:"title"`
	// Text is the extracted main text, one line per block element.
	Text string `json:"text"`
	// Lang is the primary language subtag from <html lang>, else detected
	// from the text ("" when unknown).
	Lang      string    `json:"lang"`
	FetchedAt time.Time `json:"fetched_at"`
	// SHA256 is the hex SHA-256 of Title, "\n" and Text: pages with the same
	// content are written once.
	SHA256 string `json:"sha256"`
	// Depth is the number of links followed from a start URL.
	Depth int `json:"depth"`
	// Truncated reports a body cut at max_body_bytes.
	Truncated bool `json:"truncated,omitempty"`
}

// Failure is one page that could not be fetched.
type Failure struct {
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error"`
	// Retryable reports a transient cause (network error, timeout, 5xx,
	// 408, 429).
	Retryable bool `json:"retryable"`
}

// Result is the scrape task's return value (its XCom).
type Result struct {
	// Output is pages.jsonl in the data lake; Records is the page count.
	tasks.Output `json:"output"`
	// Pages is the number of distinct pages written.
	Pages int `json:"pages"`
	// Fetched counts HTML pages fetched and parsed (duplicates included).
	Fetched int `json:"fetched"`
	// Duplicates counts pages whose content was already written, and
	// redirects to pages already fetched.
	Duplicates int `json:"duplicates"`
	// Failed counts pages that could not be fetched.
	Failed int `json:"failed"`
	// SkippedRobots counts URLs robots.txt disallowed.
	SkippedRobots int `json:"skipped_robots"`
	// SkippedNonHTML counts responses that were not HTML.
	SkippedNonHTML int `json:"skipped_non_html"`
	// Truncated counts pages cut at max_body_bytes.
	Truncated int `json:"truncated"`
	// Languages counts written pages per language.
	Languages map[string]int `json:"languages"`
	// Failures lists the first failures.
	Failures []Failure `json:"failures,omitempty"`
}

// Run scrapes the pages the task's arguments name and writes pages.jsonl.
func (h *Handler) Run(ctx context.Context, t *tasks.Task) (any, error) {
	s, err := parseArgs(t, h.defaultUA)
	if err != nil {
		return nil, err
	}
	if t.Lake == nil {
		return nil, ErrNoLake
	}
	log := t.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	guard := &ssrf.Guard{AllowPrivate: s.allowPrivate, Resolver: h.cfg.Resolver, MaxRedirects: s.maxRedirects}
	if s.maxRedirects == 0 {
		guard.MaxRedirects = -1 // the guard's 0 means its default
	}
	transport := guard.Transport(h.cfg.HTTPClientBase)
	if transport.MaxIdleConnsPerHost < s.parallelism {
		// Keep a connection per concurrent request instead of redialling.
		transport.MaxIdleConnsPerHost = s.parallelism
	}
	defer transport.CloseIdleConnections()

	robotsGuard := *guard
	robotsGuard.MaxRedirects = robotsMaxRedirects + 1 // robotsCheckRedirect stops first
	var rt http.RoundTripper = &limitTransport{base: transport, max: s.maxBodyBytes}
	if h.cfg.TracerProvider != nil {
		// Around the guarded transport: a fetch the guard blocks is a
		// failed span. An empty propagator keeps trace ids off the wire.
		rt = otelhttp.NewTransport(rt, otelhttp.WithTracerProvider(h.cfg.TracerProvider),
			otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()))
	}
	c := newCrawler(ctx, s, log, h.cfg.Clock, crawlDeps{
		transport:           rt,
		checkRedirect:       guard.CheckRedirect,
		robotsCheckRedirect: robotsGuard.CheckRedirect,
	})
	res := Result{}
	out, err := t.Lake.WriteOutput(ctx, t.Info, OutputName, "application/x-ndjson", func(w io.Writer) (int, error) {
		if err := c.run(w); err != nil {
			return 0, err
		}
		res = c.result()
		if res.Pages == 0 {
			return 0, nothingFetched(ctx, res)
		}
		return res.Pages, nil
	})
	if err != nil {
		return nil, err
	}
	out.Kind = tasks.KindPages
	res.Output = out
	log.InfoContext(ctx, "scrape done", "pages", res.Pages, "failed", res.Failed, "duplicates", res.Duplicates,
		"skipped_robots", res.SkippedRobots, "skipped_non_html", res.SkippedNonHTML, "uri", out.URI)
	return res, nil
}

// nothingFetched builds the error of a try that wrote no page: retryable
// unless every cause is permanent.
func nothingFetched(ctx context.Context, r Result) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrNothingFetched, err)
	}
	retry := false
	first := ""
	for _, f := range r.Failures {
		retry = retry || f.Retryable
		if first == "" {
			first = f.URL + ": " + f.Error
		}
	}
	err := fmt.Errorf("%w: %d failed, %d disallowed by robots.txt, %d not HTML, %d duplicates",
		ErrNothingFetched, r.Failed, r.SkippedRobots, r.SkippedNonHTML, r.Duplicates)
	if first != "" {
		err = fmt.Errorf("%w; first failure: %s", err, first)
	}
	if !retry {
		return fmt.Errorf("%w (%w)", err, asynq.SkipRetry)
	}
	return err
}
