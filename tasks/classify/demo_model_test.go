package classify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/classify"
)

// demoLanguages are the languages the embedded demo model must know: every
// language of the demo site, with the script that makes it hard.
var demoLanguages = []struct{ lang, script string }{
	{"en", "Latin"}, {"de", "Latin, compounds"}, {"fr", "Latin, accents"}, {"es", "Latin, accents"},
	{"pl", "Latin, inflection"}, {"ru", "Cyrillic, inflection"}, {"el", "Greek, accents"},
	{"ja", "kanji and kana, no spaces"}, {"ko", "hangul, particles"},
}

// TestDemoModelLabelsEveryDemoPage classifies the main text of every page
// of the demo site with the embedded model: each article gets its
// sentiment with a score of at least 0.6, and the root and index pages,
// which carry no opinion, tie at exactly 0.5 (low confidence, no label).
func TestDemoModelLabelsEveryDemoPage(t *testing.T) {
	t.Parallel()
	langs := make([]string, len(demoLanguages))
	for i, l := range demoLanguages {
		langs[i] = l.lang
	}
	require.ElementsMatch(t, langs, demosite.Languages(), "the table lists every language of the demo site")

	h, err := classify.New(classify.Config{CacheDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	lake, err := tasks.OpenLake(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = lake.Close() })

	byLang := map[string][]demosite.Page{}
	for _, p := range demosite.Pages(demosite.Config{}) {
		byLang[p.Lang] = append(byLang[p.Lang], p)
	}
	for _, l := range demoLanguages {
		t.Run(l.lang, func(t *testing.T) {
			t.Parallel()
			pages := byLang[l.lang]
			require.NotEmpty(t, pages)
			recs := classifyPages(t, h, lake, l.lang, pages)
			require.Len(t, recs, len(pages))
			seen := map[string]int{}
			for i, p := range pages {
				r := recs[i]
				require.Equal(t, p.Path, r.URL, "records keep their order")
				what := fmt.Sprintf("%s (%s, %s): label %q, score %v", p.Path, l.lang, l.script, r.Label, r.Score)
				switch p.Sentiment {
				case "positive", "negative":
					require.Equal(t, strings.ToUpper(p.Sentiment), r.Label, what)
					require.GreaterOrEqual(t, r.Score, 0.6, what)
					require.False(t, r.LowConfidence, what)
				default:
					require.Empty(t, r.Label, "neutral page "+what)
					require.True(t, r.LowConfidence, "neutral page "+what)
					require.InDelta(t, 0.5, r.Score, 1e-9, "neutral page "+what)
				}
				seen[p.Sentiment]++
			}
			require.Positive(t, seen["positive"], "%s has positive articles", l.lang)
			require.Positive(t, seen["negative"], "%s has negative articles", l.lang)
		})
	}
}

// demoRecord is the part of a classified.jsonl record the test reads.
type demoRecord struct {
	URL           string  `json:"url"`
	Label         string  `json:"label"`
	Score         float64 `json:"score"`
	LowConfidence bool    `json:"low_confidence"`
}

// classifyPages writes pages as the scrape task would and runs one classify
// task on them with the demo model.
func classifyPages(t *testing.T, h *classify.Handler, lake *tasks.Lake, runID string, pages []demosite.Page) []demoRecord {
	t.Helper()
	ctx := context.Background()
	scrape := tasks.Info{DagID: "demo", RunID: runID, TaskID: "scrape", Try: 1}
	out, err := lake.WriteOutput(ctx, scrape, "pages.jsonl", "application/x-ndjson", func(w io.Writer) (int, error) {
		enc := json.NewEncoder(w)
		for i, p := range pages {
			rec := map[string]string{"url": p.Path, "title": p.Title, "lang": p.Lang, "text": p.Text}
			if err := enc.Encode(rec); err != nil {
				return i, err
			}
		}
		return len(pages), nil
	})
	require.NoError(t, err)
	xcom, err := json.Marshal(map[string]any{"output": out})
	require.NoError(t, err)
	args, err := json.Marshal(map[string]any{"model": classify.DemoModel, "batch_size": 8})
	require.NoError(t, err)
	v, err := h.Run(ctx, &tasks.Task{
		Type: "classify",
		Info: tasks.Info{DagID: "demo", RunID: runID, TaskID: "classify", Try: 1},
		Args: args,
		Lake: lake,
		XCom: func(_ context.Context, taskID string) (json.RawMessage, error) {
			if taskID != "scrape" {
				return nil, nil
			}
			return xcom, nil
		},
		Upstream: []string{"scrape"},
	})
	require.NoError(t, err)
	res, ok := v.(classify.Result)
	require.True(t, ok, "%T", v)
	require.Equal(t, classify.DemoModel, res.Model)
	data, err := lake.Get(ctx, res.Output.Key)
	require.NoError(t, err)
	var recs []demoRecord
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r demoRecord
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		recs = append(recs, r)
	}
	return recs
}
