package demosite_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/dagworker/dagworker/internal/demosite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// setup starts a demo site on a free loopback port and a client that does
// not follow redirects or decompress, so tests see what the site sends.
func setup(t *testing.T, cfg demosite.Config) (*demosite.Server, *http.Client) {
	t.Helper()
	srv, err := demosite.StartConfig(t.Context(), "127.0.0.1:0", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return srv, &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := c.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, body
}

func TestPagesServeTheirTitleAndLanguage(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, demosite.Config{})
	pages := demosite.Pages(demosite.Config{})
	require.GreaterOrEqual(t, len(pages), 200)
	langs := map[string]int{}
	noAttr := 0
	for _, p := range pages {
		res, body := get(t, c, srv.URL()+p.Path)
		require.Equal(t, http.StatusOK, res.StatusCode, p.Path)
		require.Contains(t, string(body), "<title>"+htmlEscape(p.Title)+"</title>", p.Path)
		if p.LangAttr {
			require.Contains(t, string(body), `<html lang="`+p.Lang+`">`, p.Path)
		} else {
			require.Contains(t, string(body), "<html>\n", p.Path)
			noAttr++
		}
		for _, line := range strings.Split(p.Text, "\n") {
			require.Contains(t, string(body), ">"+htmlEscape(line)+"<", "%s: the main text is served", p.Path)
		}
		langs[p.Lang]++
	}
	require.Len(t, langs, len(demosite.Languages()))
	for _, l := range []string{"en", "de", "fr", "pl", "ru", "ja", "el", "es", "ko"} {
		require.GreaterOrEqual(t, langs[l], 25, l)
	}
	require.Positive(t, noAttr)
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

func TestSpecialPages(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, demosite.Config{SlowDelay: 50 * time.Millisecond, BigPageBytes: 300 << 10, BombBytes: 8 << 20})
	tests := []struct {
		path        string
		status      int
		contentType string
		location    string
		contains    string
		minSize     int
	}{
		{path: demosite.PathRobots, status: 200, contentType: "text/plain", contains: "Disallow: /private/"},
		{path: demosite.PathRedirect, status: 301, location: "/redirect/chain/2"},
		{path: "/redirect/chain/2", status: 301, location: "/redirect/chain/1"},
		{path: "/redirect/chain/1", status: 302, location: "/en/"},
		{path: "/de", status: 301, location: "/de/"},
		{path: demosite.PathMissing, status: 404, contentType: "text/html"},
		{path: "/en/articles/0", status: 404},
		{path: "/en/articles/01", status: 404},
		{path: "/en/articles/2/print", status: 404},
		{path: demosite.PathError, status: 503},
		{path: demosite.PathSlow, status: 200, contains: "takes its time"},
		{path: demosite.PathBig, status: 200, contentType: "text/html", minSize: 300 << 10},
		{path: demosite.PathPDF, status: 200, contentType: "application/pdf", contains: "%PDF-"},
		{path: demosite.PathPNG, status: 200, contentType: "image/png", contains: "PNG"},
		{path: demosite.PathJSON, status: 200, contentType: "application/json", contains: `"site"`},
		{path: demosite.PathPrivate, status: 200, contains: "secret"},
		{path: "/fr/drafts/1", status: 200, contains: "Draft 1"},
	}
	for _, tc := range tests {
		t.Run(strings.ReplaceAll(tc.path, "/", "_"), func(t *testing.T) {
			t.Parallel()
			res, body := get(t, c, srv.URL()+tc.path)
			require.Equal(t, tc.status, res.StatusCode)
			require.Contains(t, res.Header.Get("Content-Type"), tc.contentType)
			require.Equal(t, tc.location, res.Header.Get("Location"))
			require.Contains(t, string(body), tc.contains)
			require.GreaterOrEqual(t, len(body), tc.minSize)
		})
	}
}

func TestBombInflatesHugely(t *testing.T) {
	t.Parallel()
	const inflated = 64 << 20
	srv, c := setup(t, demosite.Config{BombBytes: inflated})
	res, body := get(t, c, srv.URL()+demosite.PathBomb)
	require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	require.Less(t, len(body), inflated/500, "compressed body must be small")
	zr, err := gzip.NewReader(strings.NewReader(string(body)))
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, zr)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, int64(inflated))
}

func TestDuplicatePrintVersion(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, demosite.Config{})
	_, article := get(t, c, srv.URL()+"/pl/articles/1")
	_, print := get(t, c, srv.URL()+"/pl/articles/1/print")
	main := func(b []byte) string {
		s := string(b)
		return s[strings.Index(s, "<article>") : strings.Index(s, "</article>")+len("</article>")]
	}
	require.Equal(t, main(article), main(print))
	require.Contains(t, string(article), "/pl/articles/1/print")
}

func TestCorpusCoversEveryLanguageTopicAndSentiment(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for _, s := range demosite.Corpus() {
		require.NotEmpty(t, s.Text)
		seen[s.Lang+"/"+s.Topic+"/"+s.Sentiment]++
	}
	require.Len(t, seen, len(demosite.Languages())*len(demosite.Topics())*2)
	for k, n := range seen {
		require.Equal(t, 2, n, k)
	}
}

func TestStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	srv, err := demosite.StartConfig(ctx, "127.0.0.1:0", demosite.Config{SlowDelay: time.Hour})
	require.NoError(t, err)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		res, err := c.Get(srv.URL() + demosite.PathSlow)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the request reach the handler; the assertion holds either way
	cancel()
	require.Error(t, <-errc, "the slow request ends with the server")
	require.NoError(t, srv.Close())
	_, err = c.Get(srv.URL() + "/")
	require.Error(t, err)
}

func TestArticleTextCarriesItsLabels(t *testing.T) {
	t.Parallel()
	type key struct{ lang, topic, sentiment string }
	corpus := map[key][]string{}
	for _, s := range demosite.Corpus() {
		k := key{s.Lang, s.Topic, s.Sentiment}
		corpus[k] = append(corpus[k], s.Text)
	}
	articles := 0
	for _, p := range demosite.Pages(demosite.Config{ArticlesPerLanguage: 9}) {
		lines := strings.Split(p.Text, "\n")
		require.Equal(t, p.Title, lines[0], "%s: the heading comes first", p.Path)
		if p.Sentiment == "" {
			require.Empty(t, p.Topic, p.Path)
			for _, text := range corpus {
				for _, s := range text {
					require.NotContains(t, p.Text, s, "%s: root and index pages carry no labelled sentence", p.Path)
				}
			}
			continue
		}
		articles++
		require.Contains(t, []string{"positive", "negative"}, p.Sentiment, p.Path)
		require.Len(t, lines, 4, "%s: heading, numbered line and two sentences", p.Path)
		require.ElementsMatch(t, corpus[key{p.Lang, p.Topic, p.Sentiment}], lines[2:], p.Path)
	}
	require.Equal(t, 9*len(demosite.Languages()), articles)
}
