package scrape_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// pacedSite serves /p/<n> pages linking to each other and records the
// start times and the peak concurrency of page requests.
type pacedSite struct {
	mu       sync.Mutex
	inflight int
	peak     int
	starts   []time.Time
	hold     time.Duration
}

func (s *pacedSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.inflight++
	s.peak = max(s.peak, s.inflight)
	s.starts = append(s.starts, time.Now())
	s.mu.Unlock()
	time.Sleep(s.hold)
	s.mu.Lock()
	s.inflight--
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html")
	_, _ = fmt.Fprintf(w, "<html lang=en><title>%s</title><main><p>Page %s.</p>", r.URL.Path, r.URL.Path)
	if r.URL.Path == "/" {
		for i := range 12 {
			_, _ = fmt.Fprintf(w, `<a href="/p/%d">%d</a>`, i, i)
		}
	}
}

func TestPerHostParallelismAndDelay(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{})
	tests := []struct {
		name        string
		parallelism int
		delay       time.Duration
	}{
		{name: "parallelism 1", parallelism: 1},
		{name: "parallelism 3", parallelism: 3},
		{name: "delay", parallelism: 4, delay: 40 * time.Millisecond},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := &pacedSite{hold: 10 * time.Millisecond}
			srv := httptest.NewServer(site)
			defer srv.Close()
			res, _, err := b.run(t, fmt.Sprint("paced", i), map[string]any{
				"urls": srv.URL + "/", "allow_private": true, "parallelism": tc.parallelism, "delay": tc.delay.String(),
			})
			require.NoError(t, err)
			require.Equal(t, 13, res.Pages)
			site.mu.Lock()
			defer site.mu.Unlock()
			require.LessOrEqual(t, site.peak, tc.parallelism)
			if tc.delay > 0 {
				// Request starts are spaced by the delay on the client; arrival
				// jitter blurs single gaps, so check the whole span.
				span := site.starts[len(site.starts)-1].Sub(site.starts[0])
				require.GreaterOrEqual(t, span, time.Duration(len(site.starts)-1)*tc.delay-20*time.Millisecond)
			}
		})
	}
}

func TestCancelEndsTheTry(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{}).withSite(t, demosite.Config{SlowDelay: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	task := &tasks.Task{Type: scrape.TaskType, Info: info("cancel"), Logger: slog.New(slog.DiscardHandler), Lake: b.lake,
		Args: []byte(`{"urls":["` + b.site.URL() + demosite.PathSlow + `"],"allow_private":true,"timeout":"5m","delay":"30s"}`)}
	start := time.Now()
	_, err := b.h.Run(ctx, task)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, tasks.IsPermanent(err))
	require.Less(t, time.Since(start), time.Minute, "cancellation, not the slow page or the delay, ended the try")
	_, err = b.lake.Get(t.Context(), "runs/dag/run/cancel/pages.jsonl")
	require.ErrorIs(t, err, tasks.ErrNotFound, "a cancelled try leaves no output")
}
