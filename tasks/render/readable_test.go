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

// TestReportComparesWithThePreviousRun: the latest earlier run of the DAG
// whose report exists is the baseline: new pages, gone pages and changed
// labels are counted and the changes listed.
func TestReportComparesWithThePreviousRun(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	put := func(run, task, name string, recs ...record) {
		var sb strings.Builder
		for _, r := range recs {
			line, _ := json.Marshal(r)
			sb.Write(line)
			sb.WriteByte('\n')
		}
		require.NoError(t, b.lake.Put(ctx, "runs/"+b.info.DagID+"/"+run+"/"+task+"/"+name, []byte(sb.String()), "application/octet-stream"))
	}
	rec := func(u, label string) record {
		return record{URL: "https://s.example/" + u, Title: u, Label: label, Score: 0.9}
	}
	// the baseline, a run without report (it failed before) and a later run
	put("scheduled__2026-11-27T02:00:00Z", "classify", "classified.jsonl", rec("a", "POSITIVE"), rec("b", "NEGATIVE"), rec("c", "POSITIVE"))
	put("scheduled__2026-11-27T02:00:00Z", "report", "report.pdf")
	put("manual__2026-11-27T12:00:00Z", "classify", "classified.jsonl", rec("a", "NEGATIVE"))
	put("scheduled__2026-11-29T02:00:00Z", "classify", "classified.jsonl", rec("z", "NEGATIVE"))
	put("scheduled__2026-11-29T02:00:00Z", "report", "report.pdf")
	b.writeInput(t, []record{rec("a", "POSITIVE"), rec("b", "POSITIVE"), rec("d", "NEGATIVE")})
	res := b.run(t, map[string]any{}, map[string]any{"output": map[string]any{"key": "runs/" + b.info.DagID + "/" + b.info.RunID + "/classify/classified.jsonl"}})
	text := words(pdfText(t, b.pdfPath(res.Key), 0, 0))
	require.Contains(t, text, "Compared with the previous run scheduled__2026-11-27T02:00:00Z: 1 new pages, 1 gone, 1 with another label.")
	require.Contains(t, text, "https://s.example/b: NEGATIVE → POSITIVE")

	// the first run of a DAG has nothing to compare with
	first := setup(t, nil)
	first.writeInput(t, []record{rec("a", "POSITIVE")})
	res = first.run(t, map[string]any{}, map[string]any{"output": map[string]any{"key": "runs/" + first.info.DagID + "/" + first.info.RunID + "/classify/classified.jsonl"}})
	require.NotContains(t, pdfText(t, first.pdfPath(res.Key), 0, 0), "Compared with")
}

// TestReportSaysWhatItCannotShape: Arabic, Hebrew, Hindi and Thai pages are
// marked, and the run facts say how many pages of which scripts are drawn
// letter by letter.
func TestReportSaysWhatItCannotShape(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.writeInput(t, []record{
		{URL: "https://s.example/ar", Title: "الأخبار اليوم", Text: "مرحبا بالعالم", Lang: "ar", Label: "POSITIVE", Score: 0.9},
		{URL: "https://s.example/he", Title: "Hebrew page", Text: "שלום עולם", Lang: "he", Label: "POSITIVE", Score: 0.8},
		{URL: "https://s.example/th", Title: "ข่าววันนี้", Text: "สวัสดีชาวโลก", Lang: "th", Label: "NEGATIVE", Score: 0.7},
		{URL: "https://s.example/en", Title: "English page", Text: "Hello world", Lang: "en", Label: "NEGATIVE", Score: 0.6},
	})
	res := b.run(t, map[string]any{}, map[string]any{"output": map[string]any{"key": "runs/" + b.info.DagID + "/" + b.info.RunID + "/classify/classified.jsonl"}})
	text := words(pdfText(t, b.pdfPath(res.Key), 0, 0))
	require.Contains(t, text, "Arabic, Hebrew, Thai text on 3 pages is drawn letter by letter, not shaped")
	require.Equal(t, 3, strings.Count(text, "Not shaped: "), "each such page is marked")
	require.Contains(t, text, "Not shaped: Hebrew")
}
