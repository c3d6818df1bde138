package notion

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dagworker/dagworker/tasks"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const dbID = "0123456789abcdef0123456789abcdef"

// fakeNotion implements the endpoints the task uses with Notion's
// documented request and response shapes, and answers every fifth request
// with 429 and Retry-After.
type fakeNotion struct {
	mu       sync.Mutex
	pages    map[string]map[string]any // page id → properties
	requests int
	limited  int
	// first and last request arrivals: with the pacer the span grows with
	// the request count (a spacing of single pairs flakes on a loaded machine:
	// one request delayed in transit arrives close to the next)
	firstStart, lastStart time.Time
}

func (f *fakeNotion) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.firstStart.IsZero() {
		f.firstStart = time.Now()
	}
	f.lastStart = time.Now()
	w.Header().Set("Content-Type", "application/json")
	fail := func(status int, code, msg string) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "error", "status": status, "code": code, "message": msg})
	}
	if r.Header.Get("Authorization") != "Bearer secret_tok" {
		fail(401, "unauthorized", "API token is invalid.")
		return
	}
	if r.Header.Get("Notion-Version") != APIVersion {
		fail(400, "missing_version", "Notion-Version header failed validation")
		return
	}
	if f.requests%5 == 0 {
		f.limited++
		w.Header().Set("Retry-After", "0")
		fail(429, "rate_limited", "You have been rate limited. Please try again in a few minutes.")
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/databases/"+dbID+"/query":
		filter := body["filter"].(map[string]any)
		want := filter["url"].(map[string]any)["equals"]
		var results []any
		for id, props := range f.pages {
			if props[filter["property"].(string)].(map[string]any)["url"] == want {
				results = append(results, map[string]any{"object": "page", "id": id})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "results": results, "has_more": false, "next_cursor": nil})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/pages":
		if body["parent"].(map[string]any)["database_id"] != dbID {
			fail(404, "object_not_found", "Could not find database")
			return
		}
		id := fmt.Sprintf("page-%d", len(f.pages)+1)
		f.pages[id] = body["properties"].(map[string]any)
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "page", "id": id})
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/v1/pages/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/pages/")
		if f.pages[id] == nil {
			fail(404, "object_not_found", "Could not find page")
			return
		}
		for k, v := range body["properties"].(map[string]any) {
			f.pages[id][k] = v
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "page", "id": id})
	default:
		fail(400, "invalid_request_url", "Invalid request URL.")
	}
}

type conns map[string]string

func (c conns) Lookup(id string) (*url.URL, error) {
	s, ok := c[id]
	if !ok {
		return nil, fmt.Errorf("connection %q: not found", id)
	}
	return url.Parse(s)
}

func TestUpsertIntoNotion(t *testing.T) {
	t.Parallel()
	fake := &fakeNotion{pages: map[string]map[string]any{}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	h, err := New(Config{Interval: 20 * time.Millisecond, Connections: conns{
		"notion":   "http://integration:secret_tok@" + u.Host + "?allow_private=true",
		"guarded":  "http://integration:secret_tok@" + u.Host,
		"no_token": "http://" + u.Host + "?allow_private=true",
	}})
	require.NoError(t, err)
	lake, err := tasks.OpenLake(context.Background(), "mem://")
	require.NoError(t, err)
	t.Cleanup(func() { _ = lake.Close() })
	ctx := context.Background()
	var lines []string
	for i := range 6 {
		b, _ := json.Marshal(map[string]any{"url": fmt.Sprintf("https://site.test/%d", i), "title": fmt.Sprintf("Page %d", i),
			"lang": "en", "label": "POSITIVE", "score": 0.5 + float64(i)/20})
		lines = append(lines, string(b))
	}
	lines = append(lines, `{"title": "no url"}`)
	key := "runs/d/r1/classify/classified.jsonl"
	require.NoError(t, lake.Put(ctx, key, []byte(strings.Join(lines, "\n")+"\n"), "application/x-ndjson"))
	task := func(args map[string]any) *tasks.Task {
		raw, _ := json.Marshal(args)
		return &tasks.Task{Type: "notion", Args: raw, Lake: lake, Info: tasks.Info{DagID: "d", RunID: "r1", TaskID: "export"},
			Upstream: []string{"classify"}, XCom: func(context.Context, string) (json.RawMessage, error) {
				return json.RawMessage(`{"output": {"key": "` + key + `", "kind": "classified"}}`), nil
			}}
	}
	args := map[string]any{"database_id": "01234567-89ab-cdef-0123-456789abcdef", "notion_conn": "notion"}
	v, err := h.Run(ctx, task(args))
	require.NoError(t, err)
	res := v.(Result)
	require.Equal(t, Result{Created: 6, Updated: 0, Skipped: 1, Requests: res.Requests}, res)
	require.Len(t, fake.pages, 6)
	// a rerun updates, it creates nothing
	v, err = h.Run(ctx, task(args))
	require.NoError(t, err)
	require.Equal(t, 6, v.(Result).Updated)
	require.Zero(t, v.(Result).Created)
	fake.mu.Lock()
	require.Len(t, fake.pages, 6, "no duplicates")
	require.Positive(t, fake.limited, "429s were answered and ridden out")
	// 20 ms apart: n requests span at least (n-1)·20 ms; two intervals of
	// slack for the first request's transit (unpaced, they span a few ms)
	require.GreaterOrEqual(t, fake.lastStart.Sub(fake.firstStart), time.Duration(fake.requests-3)*20*time.Millisecond,
		"%d requests are spaced", fake.requests)
	var page map[string]any
	for _, p := range fake.pages {
		if p["URL"].(map[string]any)["url"] == "https://site.test/3" {
			page = p
		}
	}
	fake.mu.Unlock()
	require.Equal(t, "POSITIVE", page["Label"].(map[string]any)["select"].(map[string]any)["name"])
	require.InDelta(t, 0.65, page["Score"].(map[string]any)["number"], 1e-9)
	require.Equal(t, "Page 3", page["Name"].(map[string]any)["title"].([]any)[0].(map[string]any)["text"].(map[string]any)["content"])

	_, err = h.Run(ctx, task(map[string]any{"database_id": dbID, "notion_conn": "guarded"}))
	require.ErrorContains(t, err, "SSRF")
	_, err = h.Run(ctx, task(map[string]any{"database_id": dbID, "notion_conn": "no_token"}))
	require.ErrorIs(t, err, tasks.ErrInvalidArgs)
	_, err = h.Run(ctx, task(map[string]any{"database_id": "nope", "notion_conn": "notion"}))
	require.ErrorContains(t, err, "not a Notion database id")
	// an API refusal is final
	_, err = h.Run(ctx, task(map[string]any{"database_id": "ffffffffffffffffffffffffffffffff", "notion_conn": "notion"}))
	require.ErrorIs(t, err, ErrAPI)
	require.True(t, tasks.IsPermanent(err), "%v", err)
}
