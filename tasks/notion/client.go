package notion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dagworker/dagworker/tasks"
)

// APIVersion is the Notion-Version header sent.
const APIVersion = "2022-06-28"

// ErrAPI is an error answer of the Notion API.
var ErrAPI = errors.New("notion API error")

// client speaks Notion's REST API: one base URL, one token, requests
// spaced by the token's pacer, 429s retried.
type client struct {
	http     *http.Client
	base     string
	token    string
	pacer    *pacer
	interval time.Duration
	maxWait  time.Duration
	retries  int
	mu       sync.Mutex
	requests int
}

// pacer spaces the requests of one integration token, across the tasks
// of a process: Notion's limit is per integration.
type pacer struct {
	mu       sync.Mutex
	next     time.Time // when the next request may start
	interval time.Duration
}

// pace waits until the next request may start.
func (c *client) pace(ctx context.Context) error {
	p := c.pacer
	p.mu.Lock()
	now := time.Now()
	start := p.next
	if start.Before(now) {
		start = now
	}
	p.next = start.Add(p.interval)
	p.mu.Unlock()
	if d := time.Until(start); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// apiError is Notion's error body.
type apiError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// do sends one request and decodes the answer into out.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		if err := c.pace(ctx); err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Notion-Version", APIVersion)
		req.Header.Set("Content-Type", "application/json")
		c.mu.Lock()
		c.requests++
		c.mu.Unlock()
		resp, err := c.http.Do(req)
		if err != nil {
			return fmt.Errorf("notion %s %s: %w", method, path, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		_ = resp.Body.Close()
		if err != nil {
			return fmt.Errorf("notion %s %s: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < c.retries {
			wait := c.interval
			if s, err := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64); err == nil && s >= 0 {
				wait = time.Duration(s * float64(time.Second))
			}
			wait = min(wait, c.maxWait)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			continue
		}
		if resp.StatusCode/100 != 2 {
			var e apiError
			_ = json.Unmarshal(data, &e)
			err := fmt.Errorf("%w: %s %s: %d %s: %s", ErrAPI, method, path, resp.StatusCode, e.Code, e.Message)
			if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
				return err // the try is retried
			}
			return fmt.Errorf("%w (%w)", err, tasks.ErrInvalidArgs)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("notion %s %s: the answer is not JSON: %w", method, path, err)
		}
		return nil
	}
}

// findByURL returns the id of the database's page whose URL property is
// url, or "".
func (c *client) findByURL(ctx context.Context, db, prop, url string) (string, error) {
	var res struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	q := map[string]any{"filter": map[string]any{"property": prop, "url": map[string]any{"equals": url}}, "page_size": 1}
	if err := c.do(ctx, http.MethodPost, "/v1/databases/"+db+"/query", q, &res); err != nil {
		return "", err
	}
	if len(res.Results) == 0 {
		return "", nil
	}
	return res.Results[0].ID, nil
}

// text is a rich text value of at most Notion's 2,000 characters.
func text(s string) []any {
	r := []rune(strings.ToValidUTF8(s, "\uFFFD"))
	if len(r) > 2000 {
		r = r[:2000]
	}
	return []any{map[string]any{"type": "text", "text": map[string]any{"content": string(r)}}}
}

// selectName is a select option name (Notion refuses commas, 100 chars).
func selectName(s string) map[string]any {
	s = strings.ReplaceAll(s, ",", " ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return map[string]any{"name": s}
}
