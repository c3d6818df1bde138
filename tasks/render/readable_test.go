package render

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReportReadsWell: summaries by label, language and site with share
// bars, low-confidence and failed records named as such, and pages sorted
// by site, then best score first, whatever the input order.
func TestReportReadsWell(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	recs := []record{
		{URL: "https://b.example/1", Title: "Bravo one", Lang: "de", Label: "POSITIVE", Score: 0.61},
		{URL: "https://a.example/2", Title: "Alpha two", Lang: "en", Label: "NEGATIVE", Score: 0.93},
		{URL: "https://b.example/2", Title: "Bravo two", Lang: "de", Label: "POSITIVE", Score: 0.99},
		{URL: "https://a.example/1", Title: "Alpha one", Lang: "en", Score: 0.5, LowConfidence: true},
		{URL: "https://a.example/3", Title: "Alpha three", Lang: "en", Error: "tokenizer: no tokens"},
	}
	b.writeInput(t, recs)
	res := b.run(t, map[string]any{"title": "Readable"}, map[string]any{"output": map[string]any{"key": "runs/" + b.info.DagID + "/" + b.info.RunID + "/classify/classified.jsonl"}})
	text := words(pdfText(t, b.pdfPath(res.Key), 0, 0))
	for _, want := range []string{"Summary by label", "(low confidence) 1", "(failed) 1", "Pages by language", "de 2 40.0%", "en 3 60.0%",
		"Pages by site", "a.example 3", "b.example 2"} {
		require.Contains(t, text, want)
	}
	order := []string{"Alpha two", "Alpha one", "Alpha three", "Bravo two", "Bravo one"}
	last := -1
	for _, title := range order {
		i := strings.Index(text, ". "+title)
		require.Greater(t, i, last, "%s comes after the previous entry: %s", title, text)
		last = i
	}
}

// TestReportListsFailedPages: the pages the scrape behind the classified
// input could not fetch are listed with their reason.
func TestReportListsFailedPages(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	key := b.writeInput(t, synthetic(2, 50))
	task := b.task(map[string]any{}, map[string]any{})
	xcoms := map[string]string{
		"classify": `{"output": {"key": "` + key + `", "kind": "classified"}, "input_tasks": ["fetch"]}`,
		"fetch":    `{"failed": 3, "failures": [{"url": "https://a.example/gone", "status": 404, "error": "HTTP 404 Not Found"}, {"url": "https://a.example/slow", "error": "timeout after 30s"}]}`,
	}
	task.XCom = func(_ context.Context, id string) (json.RawMessage, error) { return json.RawMessage(xcoms[id]), nil }
	v, err := b.h.Run(context.Background(), task)
	require.NoError(t, err)
	text := words(pdfText(t, b.pdfPath(v.(Result).Key), 0, 0))
	require.Contains(t, text, "Pages that failed (3)")
	require.Contains(t, text, "https://a.example/gone HTTP 404 Not Found (fetch)")
	require.Contains(t, text, "timeout after 30s (fetch)")
	require.Contains(t, text, "… and 1 more")
}
