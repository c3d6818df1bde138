//go:build ORT

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/internal/redistest"
)

// topicsDAG classifies the demo site's articles by topic with a real
// sentence-embedding model, two ways, and renders a report.
const topicsDAG = `
topics_real_model:
  params: {sites: [], model: ""}
  tasks:
    - task_id: scrape
      operator: scrape
      urls: "{{ params.sites }}"
      max_pages: 200
      max_depth: 2
      allow_private: true
    - task_id: classify
      operator: classify
      dependencies: [scrape]
      model: "{{ params.model }}"
      pipeline: embedding
      labels: [politics, sport, economy, technology]
      label_descriptions:
        politics: "politics: the government, parliament, elections, ministers and laws"
        sport: "sport: football, athletes, matches, teams and championships"
        economy: "the economy: markets, prices, banks, companies and jobs"
        technology: "technology: computers, software, the internet and new devices"
    - task_id: zero_shot
      operator: classify
      dependencies: [scrape]
      model: "{{ params.model }}"
      pipeline: zero_shot
      labels: [politics, sport, economy, technology]
      hypothesis_template: "This news article is about {}."
    - task_id: report
      operator: render
      dependencies: [classify]
      title: "Topics"
`

// TestRealModelTopicsEndToEnd runs scrape → classify (embedding nearest
// label, and zero-shot by embedding similarity) → render on the demo site
// with all-MiniLM-L6-v2 (DAGWORKER_TEST_MINILM), and checks the topics of
// the English articles, which that English model must get right.
func TestRealModelTopicsEndToEnd(t *testing.T) {
	t.Parallel()
	model := os.Getenv("DAGWORKER_TEST_MINILM")
	if model == "" {
		require.NotEqual(t, "1", os.Getenv("DAGWORKER_TEST_REQUIRE_MINILM"), "DAGWORKER_TEST_MINILM is unset")
		t.Skip("DAGWORKER_TEST_MINILM unset: run scripts/minilm.sh and set it to the folder it prints")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	site, err := demosite.Start(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	defer site.Close()
	env := redistest.New(t)
	dir, lake := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "topics.yaml"), []byte(topicsDAG), 0o644))
	conf, err := json.Marshal(map[string]any{"sites": []string{site.URL() + "/"}, "model": model})
	require.NoError(t, err)
	var out, errOut bytes.Buffer
	err = run(ctx, []string{"dags", "test", "topics_real_model", "--dags", dir, "--redis-url", env.URL,
		"--blob-url", "file://" + filepath.ToSlash(lake), "--conf", string(conf), "--model-roots", model}, &out, &errOut)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())

	topic := map[string]demosite.Page{}
	for _, p := range demosite.Pages(demosite.Config{}) {
		if p.Topic != "" {
			topic[p.Path] = p
		}
	}
	for _, task := range []string{"classify", "zero_shot"} {
		recs := readOutputs(t, lake, task+"/classified.jsonl")
		right, articles, enRight, en := 0, 0, 0, 0
		for _, r := range recs {
			u, err := url.Parse(r.URL)
			require.NoError(t, err)
			p, ok := topic[u.Path]
			if !ok {
				continue
			}
			articles++
			if r.Label == p.Topic {
				right++
			}
			if p.Lang == "en" {
				en++
				if r.Label == p.Topic {
					enRight++
				}
			}
		}
		t.Logf("%s: %d of %d articles on the right topic, %d of %d English ones", task, right, articles, enRight, en)
		require.Positive(t, en)
		require.Equal(t, en, enRight, "%s: every English article gets its topic", task)
		require.Greater(t, float64(right), 0.5*float64(articles), "%s: most articles get their topic", task)
	}
	reports := findOutputs(t, lake, "report/report.pdf")
	require.Len(t, reports, 1)
	text, err := exec.Command("pdftotext", "-enc", "UTF-8", reports[0], "-").Output()
	require.NoError(t, err)
	require.Contains(t, string(text), "technology")
}

type classifiedRecord struct {
	URL   string `json:"url"`
	Label string `json:"label"`
}

func readOutputs(t *testing.T, lake, suffix string) []classifiedRecord {
	t.Helper()
	files := findOutputs(t, lake, suffix)
	require.Len(t, files, 1, suffix)
	data := readFile(t, files[0])
	var recs []classifiedRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r classifiedRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		recs = append(recs, r)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, recs)
	return recs
}
