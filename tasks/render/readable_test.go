package render

import (
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
