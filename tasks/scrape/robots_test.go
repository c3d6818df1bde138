package scrape_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// robotsSite serves /robots.txt with robots and two small HTML pages.
type robotsSite struct {
	mu        sync.Mutex
	userAgent string
}

func (s *robotsSite) start(t *testing.T, robots http.HandlerFunc) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.userAgent = r.UserAgent()
		s.mu.Unlock()
		robots(w, r)
	})
	mux.HandleFunc("/robots/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n <= 1 {
			http.Redirect(w, r, "/robots-final.txt", http.StatusMovedPermanently)
			return
		}
		http.Redirect(w, r, "/robots/hop/"+strconv.Itoa(n-1), http.StatusFound)
	})
	mux.HandleFunc("/robots-final.txt", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("User-agent: *\nDisallow: /\n"))
	})
	page := func(title string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html lang=en><title>" + title + "</title><body><p>The team won the match.</p></body></html>"))
		}
	}
	mux.HandleFunc("/{$}", page("home"))
	mux.HandleFunc("/page", page("page"))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func robotsStatus(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func TestRobotsRFC9309(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{})
	tests := []struct {
		name     string
		robots   http.HandlerFunc
		ignore   bool
		pages    int // 0: the try fails
		skipped  int
		retry    bool // when the try fails: is it retried?
		contains string
	}{
		{name: "404 allows all", robots: robotsStatus(404, "Disallow: /"), pages: 2},
		{name: "401 allows all", robots: robotsStatus(401, ""), pages: 2},
		{name: "403 allows all", robots: robotsStatus(403, ""), pages: 2},
		{name: "500 disallows all", robots: robotsStatus(500, ""), retry: true, contains: "robots.txt answered HTTP 500"},
		{name: "503 disallows all", robots: robotsStatus(503, "User-agent: *\nAllow: /"), retry: true, contains: "HTTP 503"},
		{name: "500 ignored when robots are not respected", robots: robotsStatus(500, ""), ignore: true, pages: 2},
		{name: "rules for our agent", robots: robotsStatus(200, "User-agent: dagworker\nDisallow: /\n\nUser-agent: *\nAllow: /\n"),
			skipped: 2, contains: "2 disallowed by robots.txt"},
		{name: "rules for another agent", robots: robotsStatus(200, "User-agent: BadBot\nDisallow: /\n"), pages: 2},
		{name: "longest match wins", robots: robotsStatus(200, "User-agent: *\nDisallow: /\nAllow: /page\n"), pages: 1, skipped: 1},
		{name: "empty file allows all", robots: robotsStatus(200, ""), pages: 2},
		{name: "redirects followed", robots: func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/robots/hop/3", http.StatusFound) },
			skipped: 2, contains: "2 disallowed"},
		{name: "too many redirects: unavailable", robots: func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/robots/hop/9", http.StatusFound) },
			pages: 2},
		{name: "unreachable disallows all", robots: func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, retry: true, contains: "robots.txt unreachable"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := &robotsSite{}
			srv := site.start(t, tc.robots)
			res, _, err := b.run(t, "robots"+strconv.Itoa(i), map[string]any{
				"urls": []string{srv.URL + "/", srv.URL + "/page"}, "allow_private": true, "max_depth": 0,
				"respect_robots": !tc.ignore,
			})
			if tc.pages == 0 {
				require.ErrorIs(t, err, scrape.ErrNothingFetched)
				require.ErrorContains(t, err, tc.contains)
				require.Equal(t, !tc.retry, tasks.IsPermanent(err), "%v", err)
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.pages, res.Pages)
				require.Equal(t, tc.skipped, res.SkippedRobots)
			}
			site.mu.Lock()
			defer site.mu.Unlock()
			if tc.ignore {
				require.Empty(t, site.userAgent, "robots.txt is not fetched")
			} else {
				require.True(t, strings.HasPrefix(site.userAgent, "dagworker/"), site.userAgent)
			}
		})
	}
}

func TestRedirectIntoDisallowedPathIsSkipped(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("User-agent: *\nDisallow: /private/\n"))
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/private/x", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/private/x", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<html><title>secret</title></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, _, err := b.run(t, "robots-redirect", map[string]any{"urls": srv.URL + "/moved", "allow_private": true})
	require.ErrorIs(t, err, scrape.ErrNothingFetched)
	require.ErrorContains(t, err, "1 disallowed by robots.txt")
}
