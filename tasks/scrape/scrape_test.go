package scrape_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/scrape"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// noise is text of the demo site's navigation, header, footer, scripts and
// styles: none of it may reach a page's text.
var noise = []string{"tracking", "Header banner", "Copyright Demo News", "enable JavaScript", "font-family", "Deutsch Français"}

func TestScrapeDemoSite(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{}).withSite(t, demosite.Config{SlowDelay: 5 * time.Second, BigPageBytes: 2 << 20, BombBytes: 256 << 20})
	// Depth 4: concurrent fetching may reach an article first through a
	// pager link (depth 3), and its print version is one link further.
	res, pages, err := b.run(t, "scrape", map[string]any{
		"urls": b.site.URL() + "/", "allow_private": true, "max_pages": 400, "max_depth": 4,
		"timeout": "1s", "max_body_bytes": 1 << 20, "parallelism": 8,
	})
	require.NoError(t, err)

	// The output object sits in the run's prefix of the file:// lake.
	require.Equal(t, "runs/dag/run/scrape/pages.jsonl", res.Key)
	data, err := os.ReadFile(filepath.Join(b.dir, "runs", "dag", "run", "scrape", "pages.jsonl"))
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	require.Equal(t, hex.EncodeToString(sum[:]), res.SHA256)
	require.Equal(t, int64(len(data)), res.Size)
	require.Equal(t, res.Pages, res.Records)
	require.Len(t, pages, res.Pages)

	// Every generated page was fetched, with its title, language and text.
	want := demosite.Pages(demosite.Config{})
	require.GreaterOrEqual(t, len(want), 200)
	require.GreaterOrEqual(t, res.Pages, len(want))
	got := byFinalURL(pages)
	for _, w := range want {
		p, ok := got[b.site.URL()+w.Path]
		require.True(t, ok, "page %s was not scraped", w.Path)
		require.Equal(t, w.Title, p.Title, w.Path)
		require.Equal(t, w.Lang, p.Lang, "%s (lang attribute: %v)", w.Path, w.LangAttr)
		require.Equal(t, 200, p.Status)
		require.Equal(t, fixedNow, p.FetchedAt)
		require.Contains(t, p.Text, w.Title, "the article heading is part of the main text")
		for _, n := range noise {
			require.NotContains(t, p.Text, n, w.Path)
		}
	}
	for _, l := range demosite.Languages() {
		require.GreaterOrEqual(t, res.Languages[l], 25, l)
	}

	// robots.txt: /private/ and every /<lang>/drafts/ are skipped.
	require.Equal(t, 1+len(demosite.Languages()), res.SkippedRobots)
	for _, p := range pages {
		require.NotContains(t, p.URL, "/private/")
		require.NotContains(t, p.URL, "/drafts/")
		require.NotContains(t, p.URL, "example.invalid")
	}

	// The 404, the 503 and the slow page are recorded, not fatal.
	failures := map[string]scrape.Failure{}
	for _, f := range res.Failures {
		failures[strings.TrimPrefix(f.URL, b.site.URL())] = f
	}
	require.Equal(t, 3, res.Failed, "%+v", res.Failures)
	require.Equal(t, scrape.Failure{URL: b.site.URL() + demosite.PathMissing, Status: 404, Error: "HTTP 404 Not Found"}, failures[demosite.PathMissing])
	require.Equal(t, 503, failures[demosite.PathError].Status)
	require.True(t, failures[demosite.PathError].Retryable)
	require.Contains(t, failures[demosite.PathSlow].Error, "timeout after 1s")
	require.True(t, failures[demosite.PathSlow].Retryable)

	// PDF, PNG and JSON are skipped; the big page and the bomb are cut.
	require.Equal(t, 3, res.SkippedNonHTML)
	require.Equal(t, 2, res.Truncated)
	for _, path := range []string{demosite.PathBig, demosite.PathBomb} {
		p, ok := got[b.site.URL()+path]
		require.True(t, ok, path)
		require.True(t, p.Truncated, path)
		require.LessOrEqual(t, len(p.Text), 1<<20, path)
	}

	// The print versions duplicate the first articles: written once.
	require.GreaterOrEqual(t, res.Duplicates, len(demosite.Languages()))
	hashes := map[string]string{}
	for _, p := range pages {
		prev, dup := hashes[p.SHA256]
		require.False(t, dup, "%s duplicates %s", p.URL, prev)
		hashes[p.SHA256] = p.URL
		s := sha256.Sum256([]byte(p.Title + "\n" + p.Text))
		require.Equal(t, hex.EncodeToString(s[:]), p.SHA256)
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{}).withSite(t, demosite.Config{})
	tests := []struct {
		name         string
		maxRedirects any
		wantErr      bool
	}{
		{name: "default follows the chain"},
		{name: "exactly enough", maxRedirects: 3},
		{name: "too few", maxRedirects: 2, wantErr: true},
		{name: "none", maxRedirects: 0, wantErr: true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := map[string]any{"urls": []string{b.site.URL() + demosite.PathRedirect}, "allow_private": true, "max_depth": 0}
			if tc.maxRedirects != nil {
				args["max_redirects"] = tc.maxRedirects
			}
			res, pages, err := b.run(t, "redirect"+string(rune('a'+i)), args)
			if tc.wantErr {
				require.ErrorIs(t, err, scrape.ErrNothingFetched)
				require.ErrorContains(t, err, "too many redirects")
				require.True(t, tasks.IsPermanent(err), "a redirect limit is not retried: %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, 1, res.Pages)
			require.Equal(t, b.site.URL()+demosite.PathRedirect, pages[0].URL)
			require.Equal(t, b.site.URL()+"/en/", pages[0].FinalURL)
			require.Equal(t, "en", pages[0].Lang)
		})
	}
}

func TestDuplicateContentWrittenOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{}).withSite(t, demosite.Config{})
	res, pages, err := b.run(t, "dup", map[string]any{
		"urls":          []string{b.site.URL() + "/fr/articles/1", b.site.URL() + "/fr/articles/1/print", b.site.URL() + "/fr/articles/2"},
		"allow_private": true, "max_depth": 0, "parallelism": 1,
	})
	require.NoError(t, err)
	require.Equal(t, 2, res.Pages)
	require.Equal(t, 3, res.Fetched)
	require.Equal(t, 1, res.Duplicates)
	require.Len(t, pages, 2)
	require.NotEqual(t, pages[0].SHA256, pages[1].SHA256)
}

func TestFollowDepthAndBudget(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{}).withSite(t, demosite.Config{ArticlesPerLanguage: 8})
	tests := []struct {
		name  string
		args  map[string]any
		pages int
		check func(t *testing.T, p scrape.Page)
	}{
		{name: "depth 0", args: map[string]any{"max_depth": 0}, pages: 1},
		{name: "follow one language", args: map[string]any{"max_depth": 2, "follow": []string{`/de/`}}, pages: 1 + 1 + 8,
			check: func(t *testing.T, p scrape.Page) {
				if p.Depth > 0 {
					require.Contains(t, p.URL, "/de/")
					require.Equal(t, "de", p.Lang)
				}
			}},
		{name: "page budget", args: map[string]any{"max_depth": 5, "max_pages": 5}, pages: 5},
		{name: "selector", args: map[string]any{"max_depth": 1, "follow": "/ja/$", "selector": "main h1"}, pages: 2,
			check: func(t *testing.T, p scrape.Page) {
				require.Equal(t, p.Title, p.Text, "only the heading is selected")
			}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.args["urls"] = b.site.URL() + "/"
			tc.args["allow_private"] = true
			res, pages, err := b.run(t, "follow"+string(rune('a'+i)), tc.args)
			require.NoError(t, err)
			require.Equal(t, tc.pages, res.Pages, "%+v", res)
			for _, p := range pages {
				if tc.check != nil {
					tc.check(t, p)
				}
			}
		})
	}
}

func TestNonHTMLSkipped(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{}).withSite(t, demosite.Config{})
	_, _, err := b.run(t, "files", map[string]any{
		"urls":          []string{b.site.URL() + demosite.PathPDF, b.site.URL() + demosite.PathPNG, b.site.URL() + demosite.PathJSON},
		"allow_private": true,
	})
	require.ErrorIs(t, err, scrape.ErrNothingFetched)
	require.ErrorContains(t, err, "3 not HTML")
	require.True(t, tasks.IsPermanent(err))
}

func TestSlowPageTimesOut(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{}).withSite(t, demosite.Config{SlowDelay: time.Minute})
	start := time.Now()
	_, _, err := b.run(t, "slow", map[string]any{"urls": b.site.URL() + demosite.PathSlow, "allow_private": true, "timeout": 0.2})
	require.ErrorIs(t, err, scrape.ErrNothingFetched)
	require.ErrorContains(t, err, "timeout after 200ms")
	require.False(t, tasks.IsPermanent(err), "a timeout is retried")
	require.Less(t, time.Since(start), 30*time.Second, "the timeout, not the slow page, ended the try")
}

func TestUnreachableHostIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{})
	for i, robots := range []bool{true, false} {
		_, _, err := b.run(t, "unreachable"+string(rune('a'+i)), map[string]any{
			"urls": "http://127.0.0.1:1/", "allow_private": true, "respect_robots": robots, "timeout": "5s",
		})
		require.ErrorIs(t, err, scrape.ErrNothingFetched)
		require.ErrorContains(t, err, "connection refused")
		require.False(t, tasks.IsPermanent(err), "an unreachable host is retried")
	}
}

func TestPrivateAddressesRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, scrape.Config{}).withSite(t, demosite.Config{})
	for i, robots := range []bool{true, false} {
		_, _, err := b.run(t, "ssrf"+string(rune('a'+i)), map[string]any{"urls": b.site.URL() + "/", "respect_robots": robots})
		require.ErrorIs(t, err, scrape.ErrNothingFetched)
		require.ErrorContains(t, err, "SSRF")
		require.ErrorContains(t, err, "loopback")
		require.ErrorContains(t, err, "127.0.0.1", "the error names the address")
		require.ErrorContains(t, err, "set allow_private: true", "the error names the fix")
		require.True(t, tasks.IsPermanent(err), "a refused address is not retried: %v", err)
	}
	// The same site with allow_private is fine.
	res, _, err := b.run(t, "ssrf-allowed", map[string]any{"urls": b.site.URL() + "/", "allow_private": true, "max_depth": 0})
	require.NoError(t, err)
	require.Equal(t, 1, res.Pages)
}

func TestNoLake(t *testing.T) {
	t.Parallel()
	h, err := scrape.New(scrape.Config{})
	require.NoError(t, err)
	_, err = h.Run(t.Context(), &tasks.Task{Type: "scrape", Info: info("x"), Args: []byte(`{"urls":"http://127.0.0.1:1/"}`)})
	require.ErrorIs(t, err, scrape.ErrNoLake)
}

func TestNewRejectsBadVersion(t *testing.T) {
	t.Parallel()
	_, err := scrape.New(scrape.Config{Version: "1.0 (evil)\r\n"})
	require.Error(t, err)
	h, err := scrape.New(scrape.Config{Version: "1.2.3"})
	require.NoError(t, err)
	require.Equal(t, "dagworker/1.2.3 (+https://github.com/dagworker/dagworker)", h.DefaultUserAgent())
}

// TestBudgetGoesToShallowerLinksFirst: the links of one page reserve the
// page budget together, so a child page parsed while the parent's later
// links wait on robots.txt of another host cannot spend the budget first.
func TestBudgetGoesToShallowerLinksFirst(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			time.Sleep(300 * time.Millisecond)
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "<html lang=en><title>slow %s</title><body>page</body></html>", r.URL.Path)
	}))
	t.Cleanup(slow.Close)
	var fast *httptest.Server
	fast = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/":
			fmt.Fprintf(w, `<html lang=en><title>root</title><body><a href="%s/child">c</a><a href="%s/x1">1</a><a href="%s/x2">2</a></body></html>`,
				fast.URL, slow.URL, slow.URL)
		case "/child":
			var links strings.Builder
			for i := range 20 {
				fmt.Fprintf(&links, `<a href="/c%d">%d</a>`, i, i)
			}
			fmt.Fprintf(w, "<html lang=en><title>child</title><body>%s</body></html>", links.String())
		default:
			fmt.Fprintf(w, "<html lang=en><title>leaf %s</title><body>leaf</body></html>", r.URL.Path)
		}
	}))
	t.Cleanup(fast.Close)
	b := setup(t, scrape.Config{})
	res, pages, err := b.run(t, "budget", map[string]any{"urls": fast.URL + "/", "allow_private": true, "max_depth": 2, "max_pages": 5, "respect_robots": true})
	require.NoError(t, err)
	require.Equal(t, 5, res.Pages, "%+v", res)
	got := byFinalURL(pages)
	require.Contains(t, got, slow.URL+"/x1", "the root's links are admitted before the child's")
	require.Contains(t, got, slow.URL+"/x2")
}
