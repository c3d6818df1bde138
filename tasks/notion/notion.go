package notion

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/dagworker/dagworker/internal/ssrf"
	"github.com/dagworker/dagworker/tasks"
)

// Connections looks connections up (conn.Store does).
type Connections interface {
	Lookup(id string) (*url.URL, error)
}

// Config configures the notion task type.
type Config struct {
	// Connections resolves notion_conn. Required for the task to run.
	Connections Connections
	// Interval spaces requests (default 334ms: Notion's three per second).
	Interval time.Duration
	// MaxRetryWait caps the wait a 429's Retry-After asks for (default 30s);
	// Retries is how many 429s one request rides out (default 5).
	MaxRetryWait time.Duration
	Retries      int
	// Transport is the base transport the SSRF guard wraps.
	Transport *http.Transport
}

// Handler runs notion tasks. It is safe for concurrent use.
type Handler struct {
	cfg    Config
	mu     sync.Mutex
	pacers map[string]*pacer // by integration token
}

var _ tasks.Handler = (*Handler)(nil)

// New returns a notion handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = 334 * time.Millisecond
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 30 * time.Second
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 5
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &Handler{cfg: cfg, pacers: map[string]*pacer{}}, nil
}

// pacer returns the pacer of an integration token.
func (h *Handler) pacer(token string) *pacer {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pacers[token]
	if p == nil {
		p = &pacer{interval: h.cfg.Interval}
		h.pacers[token] = p
	}
	return p
}

// Result is the notion task's XCom.
type Result struct {
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Skipped  int `json:"skipped"` // records without a URL
	Requests int `json:"requests"`
}

// record is the part of a classified record the pages show.
type record struct {
	URL   string  `json:"url"`
	Title string  `json:"title"`
	Lang  string  `json:"lang"`
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// Run upserts the classified records of one try.
func (h *Handler) Run(ctx context.Context, t *tasks.Task) (any, error) {
	p, err := parseArgs(t)
	if err != nil {
		return nil, err
	}
	c, err := h.client(p)
	if err != nil {
		return nil, err
	}
	ins, err := tasks.ResolveInputs(ctx, t, p.Input, p.InputTask, tasks.KindClassified)
	if err != nil {
		return nil, err
	}
	var res Result
	n := 0
	for _, in := range ins {
		r, err := t.Lake.Open(ctx, in.Key)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() && n < p.max {
			var rec record
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				continue
			}
			if rec.URL == "" {
				res.Skipped++
				continue
			}
			n++
			created, err := h.upsert(ctx, c, p, t.Info, rec)
			if err != nil {
				_ = r.Close()
				return nil, fmt.Errorf("upsert %s: %w", rec.URL, err)
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
		}
		err = sc.Err()
		_ = r.Close()
		if err != nil {
			return nil, err
		}
	}
	res.Requests = c.requests
	if t.Logger != nil {
		t.Logger.Info("notion upserted", "created", res.Created, "updated", res.Updated, "requests", res.Requests)
	}
	return res, nil
}

// client builds the API client of the task's connection.
func (h *Handler) client(p params) (*client, error) {
	if h.cfg.Connections == nil {
		return nil, tasks.InvalidArg("notion_conn", "this worker has no connections configured")
	}
	u, err := h.cfg.Connections.Lookup(p.NotionConn)
	if err != nil {
		return nil, tasks.InvalidArg("notion_conn", "%v", err)
	}
	token := u.Query().Get("token")
	if pass, ok := u.User.Password(); ok && token == "" {
		token = pass
	}
	if token == "" {
		return nil, tasks.InvalidArg("notion_conn", "connection %q holds no token (its password, or ?token=)", p.NotionConn)
	}
	guard := &ssrf.Guard{AllowPrivate: u.Query().Get("allow_private") == "true"}
	base := url.URL{Scheme: u.Scheme, Host: u.Host}
	return &client{http: guard.Client(h.cfg.Transport, 60*time.Second), base: base.String(), token: token,
		pacer: h.pacer(token), interval: h.cfg.Interval, maxWait: h.cfg.MaxRetryWait, retries: h.cfg.Retries}, nil
}

// upsert updates the page of rec's URL or creates one; it reports whether
// it created one.
func (h *Handler) upsert(ctx context.Context, c *client, p params, info tasks.Info, rec record) (bool, error) {
	props := map[string]any{}
	set := func(name string, v any) {
		if name != "" {
			props[name] = v
		}
	}
	title := rec.Title
	if title == "" {
		title = rec.URL
	}
	set(p.props.Title, map[string]any{"title": text(title)})
	set(p.props.URL, map[string]any{"url": rec.URL})
	if rec.Label != "" {
		set(p.props.Label, map[string]any{"select": selectName(rec.Label)})
	}
	set(p.props.Score, map[string]any{"number": rec.Score})
	if rec.Lang != "" {
		set(p.props.Language, map[string]any{"select": selectName(rec.Lang)})
	}
	set(p.props.Run, map[string]any{"rich_text": text(info.DagID + " " + info.RunID)})
	id, err := c.findByURL(ctx, p.DatabaseID, p.props.URL, rec.URL)
	if err != nil {
		return false, err
	}
	if id != "" {
		return false, c.do(ctx, http.MethodPatch, "/v1/pages/"+url.PathEscape(id), map[string]any{"properties": props}, nil)
	}
	body := map[string]any{"parent": map[string]any{"database_id": p.DatabaseID}, "properties": props}
	return true, c.do(ctx, http.MethodPost, "/v1/pages", body, nil)
}
