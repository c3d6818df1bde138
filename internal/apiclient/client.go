// Package apiclient is a small Go client of dagworker's HTTP API (the
// Airflow REST API v2 subset and dagworker's own endpoints), used by the
// CLI's remote mode. It decodes into the API's own response types.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dagworker/dagworker/internal/api"
)

// ErrNotFound is what Error wraps for a 404 answer.
var ErrNotFound = errors.New("not found")

// ErrUnauthorized is what Error wraps for a 401 answer.
var ErrUnauthorized = errors.New("not authenticated")

// Error is an API error answer: its status and Airflow's "detail".
type Error struct {
	Method, Path string
	Status       int
	Detail       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Detail)
}

// Unwrap maps 404 to ErrNotFound and 401 to ErrUnauthorized.
func (e *Error) Unwrap() error {
	switch e.Status {
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusUnauthorized:
		return ErrUnauthorized
	}
	return nil
}

// Config configures a Client.
type Config struct {
	// URL is the server's base URL (http://host:8080); required.
	URL string
	// Token is sent as a bearer token; User and Password as HTTP Basic when
	// Token is empty.
	Token, User, Password string
	// HTTPClient defaults to a client with a 5 minute timeout.
	HTTPClient *http.Client
}

// Client talks to one dagworker server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	cfg  Config
	http *http.Client
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("api url %q: want http(s)://host[:port]", cfg.URL)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	return &Client{base: u, cfg: cfg, http: hc}, nil
}

// URL returns the absolute URL of a server path (such as an output's url).
func (c *Client) URL(path string) string {
	return c.base.String() + path
}

// do sends a request and decodes a JSON answer into out (nil: discard).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL(path), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	c.auth(req)
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		return &Error{Method: method, Path: path, Status: res.StatusCode, Detail: detail(data)}
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

func (c *Client) auth(req *http.Request) {
	switch {
	case c.cfg.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	case c.cfg.User != "":
		req.SetBasicAuth(c.cfg.User, c.cfg.Password)
	}
}

// detail renders Airflow's {"detail": ...}: a string, or the messages of a
// validation error.
func detail(data []byte) string {
	var e struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(data, &e) != nil || len(e.Detail) == 0 {
		return strings.TrimSpace(string(data))
	}
	var s string
	if json.Unmarshal(e.Detail, &s) == nil {
		return s
	}
	var fields []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	if json.Unmarshal(e.Detail, &fields) == nil && len(fields) > 0 {
		msgs := make([]string, len(fields))
		for i, f := range fields {
			loc := make([]string, len(f.Loc))
			for j, l := range f.Loc {
				loc[j] = fmt.Sprint(l)
			}
			msgs[i] = strings.Join(loc, ".") + ": " + f.Msg
		}
		return strings.Join(msgs, "; ")
	}
	return string(e.Detail)
}

func esc(s string) string { return url.PathEscape(s) }

func runPath(dagID, runID string) string {
	return "/api/v2/dags/" + esc(dagID) + "/dagRuns/" + esc(runID)
}

// Login exchanges a username and password for a JWT (POST /auth/token).
func (c *Client) Login(ctx context.Context, user, password string) (string, error) {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	body := map[string]string{"username": user, "password": password}
	if err := c.do(ctx, "POST", "/auth/token", body, &out); err != nil {
		return "", err
	}
	return out.AccessToken, nil
}

// Version is GET /api/v2/version (no credentials needed).
func (c *Client) Version(ctx context.Context) (string, error) {
	var out struct {
		Version string `json:"version"`
	}
	err := c.do(ctx, "GET", "/api/v2/version", nil, &out)
	return out.Version, err
}

// DAGs lists every DAG the server loaded, paging through the list.
func (c *Client) DAGs(ctx context.Context) ([]api.DAGResponse, error) {
	var all []api.DAGResponse
	for {
		var page api.DAGCollectionResponse
		if err := c.do(ctx, "GET", "/api/v2/dags?limit=100&offset="+strconv.Itoa(len(all)), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Dags...)
		if len(page.Dags) == 0 || len(all) >= page.TotalEntries {
			return all, nil
		}
	}
}

// SetPaused pauses or unpauses a DAG.
func (c *Client) SetPaused(ctx context.Context, dagID string, paused bool) (api.DAGResponse, error) {
	var out api.DAGResponse
	err := c.do(ctx, "PATCH", "/api/v2/dags/"+esc(dagID), map[string]bool{"is_paused": paused}, &out)
	return out, err
}

// Trigger creates a manual run at logical date now (as the local trigger
// does, so templates such as {{ ds }} render); created is false when runID
// existed (the existing run is returned).
func (c *Client) Trigger(ctx context.Context, dagID, runID string, conf json.RawMessage) (run api.DAGRunResponse, created bool, err error) {
	body := map[string]any{"logical_date": time.Now().UTC().Truncate(time.Second).Format(time.RFC3339)}
	if runID != "" {
		body["dag_run_id"] = runID
	}
	if len(conf) > 0 {
		body["conf"] = conf
	}
	err = c.do(ctx, "POST", "/api/v2/dags/"+esc(dagID)+"/dagRuns", body, &run)
	var ae *Error
	if errors.As(err, &ae) && ae.Status == http.StatusConflict && runID != "" {
		run, err = c.Run(ctx, dagID, runID)
		return run, false, err
	}
	return run, err == nil, err
}

// Run returns one run.
func (c *Client) Run(ctx context.Context, dagID, runID string) (api.DAGRunResponse, error) {
	var out api.DAGRunResponse
	err := c.do(ctx, "GET", runPath(dagID, runID), nil, &out)
	return out, err
}

// Runs returns the latest limit runs of a DAG, newest first (limit 0: all),
// and how many runs the DAG has.
func (c *Client) Runs(ctx context.Context, dagID string, limit int) ([]api.DAGRunResponse, int, error) {
	var all []api.DAGRunResponse
	for {
		n := 100
		if limit > 0 {
			n = min(n, limit-len(all))
		}
		var page api.DAGRunCollectionResponse
		q := "?order_by=-run_after&limit=" + strconv.Itoa(n) + "&offset=" + strconv.Itoa(len(all))
		if err := c.do(ctx, "GET", "/api/v2/dags/"+esc(dagID)+"/dagRuns"+q, nil, &page); err != nil {
			return nil, 0, err
		}
		all = append(all, page.DagRuns...)
		if len(page.DagRuns) == 0 || len(all) >= page.TotalEntries || (limit > 0 && len(all) >= limit) {
			return all, page.TotalEntries, nil
		}
	}
}

// TaskInstances returns the current try of every task instance of a run.
func (c *Client) TaskInstances(ctx context.Context, dagID, runID string) ([]api.TaskInstanceResponse, error) {
	var all []api.TaskInstanceResponse
	for {
		var page api.TaskInstanceCollectionResponse
		q := "?limit=100&offset=" + strconv.Itoa(len(all))
		if err := c.do(ctx, "GET", runPath(dagID, runID)+"/taskInstances"+q, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.TaskInstances...)
		if len(page.TaskInstances) == 0 || len(all) >= page.TotalEntries {
			return all, nil
		}
	}
}

// TaskInstance returns the current try of one task instance.
func (c *Client) TaskInstance(ctx context.Context, dagID, runID, taskID string) (api.TaskInstanceResponse, error) {
	var out api.TaskInstanceResponse
	err := c.do(ctx, "GET", runPath(dagID, runID)+"/taskInstances/"+esc(taskID), nil, &out)
	return out, err
}

// Log returns the captured log of one try, one line per entry.
func (c *Client) Log(ctx context.Context, dagID, runID, taskID string, try int) (string, error) {
	var out api.TaskInstancesLogResponse
	path := runPath(dagID, runID) + "/taskInstances/" + esc(taskID) + "/logs/" + strconv.Itoa(try) + "?full_content=true"
	if err := c.do(ctx, "GET", path, nil, &out); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, l := range out.Content {
		b.WriteString(l.String())
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// ClearRun clears a run's task instances (only the failed ones when
// onlyFailed) so they run again, and returns the run.
func (c *Client) ClearRun(ctx context.Context, dagID, runID string, onlyFailed bool) (api.DAGRunResponse, error) {
	var out api.DAGRunResponse
	err := c.do(ctx, "POST", runPath(dagID, runID)+"/clear", map[string]bool{"dry_run": false, "only_failed": onlyFailed}, &out)
	return out, err
}

// Outputs lists the data lake outputs of a run.
func (c *Client) Outputs(ctx context.Context, dagID, runID string) ([]api.OutputResponse, error) {
	var out api.OutputCollectionResponse
	err := c.do(ctx, "GET", api.OutputsURL(dagID, runID), nil, &out)
	return out.Outputs, err
}

// SubmitTask runs one ad-hoc task; the server refuses (422) a type its
// workers do not run, naming the known types.
func (c *Client) SubmitTask(ctx context.Context, req api.TaskRequest) (api.TaskResponse, error) {
	var out api.TaskResponse
	err := c.do(ctx, "POST", "/api/dagworker/v1/tasks", req, &out)
	return out, err
}

// Task returns an ad-hoc task.
func (c *Client) Task(ctx context.Context, id string) (api.TaskResponse, error) {
	var out api.TaskResponse
	err := c.do(ctx, "GET", "/api/dagworker/v1/tasks/"+esc(id), nil, &out)
	return out, err
}

// BackfillBody is what CreateBackfill sends (Airflow's BackfillPostBody).
type BackfillBody struct {
	DagID             string         `json:"dag_id"`
	FromDate          time.Time      `json:"from_date"`
	ToDate            time.Time      `json:"to_date"`
	DagRunConf        map[string]any `json:"dag_run_conf,omitempty"`
	ReprocessBehavior string         `json:"reprocess_behavior,omitempty"`
	MaxActiveRuns     int            `json:"max_active_runs,omitempty"`
}

// CreateBackfill creates a backfill.
func (c *Client) CreateBackfill(ctx context.Context, b BackfillBody) (api.BackfillResponse, error) {
	var out api.BackfillResponse
	err := c.do(ctx, "POST", "/api/v2/backfills", b, &out)
	return out, err
}

// BackfillDryRun returns the logical dates a backfill would run.
func (c *Client) BackfillDryRun(ctx context.Context, b BackfillBody) ([]time.Time, error) {
	var out api.DryRunBackfillCollectionResponse
	if err := c.do(ctx, "POST", "/api/v2/backfills/dry_run", b, &out); err != nil {
		return nil, err
	}
	dates := make([]time.Time, 0, len(out.Backfills))
	for _, d := range out.Backfills {
		if d.LogicalDate != nil {
			dates = append(dates, *d.LogicalDate)
		}
	}
	return dates, nil
}
