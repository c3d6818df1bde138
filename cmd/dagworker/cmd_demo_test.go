package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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

	type page struct{ URL, Title, Label string }
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
	labels := map[string]bool{}
	for _, p := range classified {
		require.Contains(t, []string{"POSITIVE", "NEGATIVE"}, p.Label, "page %s", p.URL)
		labels[p.Label] = true
		require.Contains(t, pdf, squash(p.Title), "report lacks the title of %s", p.URL)
	}
	require.Len(t, labels, 2, "the demo site has positive and negative pages")
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
