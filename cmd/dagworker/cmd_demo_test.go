package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/stretchr/testify/require"
)

// TestDemoNightlyPipeline runs the main job end to end: the demo site is
// scraped, every page is labelled by the embedded model, and the PDF report
// names every page title and every label.
func TestDemoNightlyPipeline(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: apt-get install poppler-utils")
	}
	env := redistest.New(t)
	lakeDir := t.TempDir()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"demo", "--redis-url", env.URL, "--pages", "40",
		"--blob-url", "file://" + filepath.ToSlash(lakeDir)}, &out, &errOut)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())

	m := regexp.MustCompile(`(?m)^report file: (.+)$`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	report := m[1]
	runDir := filepath.Dir(filepath.Dir(report))

	type page struct {
		URL, Title, Label string
		LowConfidence     bool `json:"low_confidence"`
	}
	readJSONL := func(name string) []page {
		b := readFile(t, filepath.Join(runDir, name))
		var ps []page
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			var p page
			require.NoError(t, json.Unmarshal(sc.Bytes(), &p))
			ps = append(ps, p)
		}
		require.NoError(t, sc.Err())
		return ps
	}
	scraped := readJSONL("scrape/pages.jsonl")
	classified := readJSONL("classify/classified.jsonl")
	require.GreaterOrEqual(t, len(scraped), 30, "pages scraped")
	require.Len(t, classified, len(scraped), "every scraped page is classified")

	text, err := exec.Command("pdftotext", "-enc", "UTF-8", report, "-").Output()
	require.NoError(t, err)
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	pdf := squash(string(text))
	want := map[string]string{} // article path → its sentiment
	for _, p := range demosite.Pages(demosite.Config{}) {
		if p.Sentiment != "" {
			want[p.Path] = strings.ToUpper(p.Sentiment)
		}
	}
	labels := map[string]bool{}
	articles := 0
	for _, p := range classified {
		u, err := url.Parse(p.URL)
		require.NoError(t, err)
		if sentiment, ok := want[u.Path]; ok {
			articles++
			require.Equal(t, sentiment, p.Label, "article %s", p.URL)
		} else {
			// the root, the index and the hazard pages hold no opinion: a tie, no label
			require.True(t, p.LowConfidence, "neutral page %s is low confidence, got %q", p.URL, p.Label)
			require.Empty(t, p.Label, p.URL)
		}
		if p.Label != "" {
			labels[p.Label] = true
		}
		require.Contains(t, pdf, squash(p.Title), "report lacks the title of %s", p.URL)
	}
	require.Greater(t, articles, len(classified)/2, "most pages are articles")
	require.Len(t, labels, 2, "the demo site has positive and negative pages")
	require.Contains(t, pdf, squash("Pages that failed"), "the report lists the demo's 404 and 503 pages")
	require.Contains(t, pdf, squash("HTTP 404 Not Found (scrape)"))
	for l := range labels {
		require.Contains(t, pdf, l)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestDemoServeSite serves the demo site alone: the first line names its
// URL, the site answers, and cancelling the context ends the command.
func TestDemoServeSite(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--serve-site"}, pw, io.Discard)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	site, ok := strings.CutPrefix(strings.TrimSpace(line), "demo site: ")
	require.True(t, ok, line)
	resp, err := http.Get(site + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "<a ")
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NoError(t, <-done)
}
