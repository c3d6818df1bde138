package render

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

// cjkRunes counts the characters of s that need a CJK font.
func cjkRunes(s string) int {
	n := 0
	for _, r := range clean(s) {
		if isCJK(r) && !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// langCase is a page in one language (or a mix) and its label.
type langCase struct {
	name, title, label, text string
	cjk                      bool // needs a CJK font
}

func TestRenderLanguages(t *testing.T) {
	t.Parallel()
	tests := []langCase{
		{name: "english", title: "Markets rally on Friday", label: "economy",
			text: "The quick brown fox jumps over the lazy dog while investors watch the bond market closely."},
		{name: "german", title: "Größere Straßenbahnen für München", label: "verkehr",
			text: "Die Straßenbahn fährt über die Brücke; Äpfel, Öl und Müsli kosten weniger als im Frühjahr."},
		{name: "polish", title: "Zażółć gęślą jaźń", label: "kultura",
			text: "Łódź płynie przez źródło, a żółw śpi pod świerkiem. Pchnąć w tę łódź jeża lub ośm skrzyń fig."},
		{name: "greek", title: "Η γρήγορη καφέ αλεπού", label: "αθλητισμός",
			text: "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Η γρήγορη καφέ αλεπού πηδά πάνω από το τεμπέλικο σκυλί."},
		{name: "russian", title: "Съешь же ещё этих булок", label: "экономика",
			text: "Съешь же ещё этих мягких французских булок, да выпей же чаю. Широкая электрификация южных губерний."},
		{name: "japanese", title: "東京の天気予報", label: "天気", cjk: true,
			text: "東京の天気は晴れです。明日は雨が降るでしょう。ニュースを読みました。"},
		{name: "chinese", title: "北京经济新闻", label: "经济", cjk: true,
			text: "北京今天的新闻报道了经济增长，专家认为明年会继续发展。"},
		{name: "mixed_line", title: "Tokyo 東京 and Berlin", label: "travel", cjk: true,
			text: "Flights from Tokyo 東京 to Berlin ベルリン resume on Monday, says the airline."},
	}
	noCJK, err := New(Config{CJKFontCandidates: []string{}})
	require.NoError(t, err)
	handlers := []struct {
		name string
		h    *Handler
	}{{"default_fonts", nil}, {"without_cjk_font", noCJK}}
	for _, hc := range handlers {
		for _, tc := range tests {
			t.Run(hc.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t, hc.h)
				testLanguage(t, b, tc)
			})
		}
	}
}

func testLanguage(t *testing.T, b *testBundle, tc langCase) {
	url := "https://example.org/" + tc.name + "/article-1"
	text := repeat(tc.text, 6)
	key := b.writeInput(t, []record{{
		URL: url, Title: tc.title, Text: text, Label: tc.label, Score: 0.875, Status: 200,
		TopK: []labelScore{{tc.label, 0.875}, {"other", 0.125}},
	}})
	res := b.run(t, map[string]any{"title": "Nightly report " + tc.name, "input": key}, nil)
	require.Equal(t, 1, res.Items)
	require.Equal(t, 1, res.ItemsShown)
	require.False(t, res.Truncated)
	require.Equal(t, "application/pdf", mustContentType(t, b, res.Key))
	pdf := b.pdfPath(res.Key)
	require.Equal(t, res.PDFPages, pdfPages(t, pdf))
	got := pdfText(t, pdf, 0, 0)
	require.Contains(t, got, "Nightly report "+tc.name)
	require.Contains(t, got, url)
	require.Contains(t, got, "0.875")

	if tc.cjk && b.h.CJKFont() == "" {
		// No CJK font: every CJK character is a counted, visible marker.
		if b.h == mustShared(t) {
			require.False(t, envSet(requireCJKEnv), "no CJK font installed; install fonts-droid-fallback (%s is set)", requireCJKEnv)
		}
		t.Logf("no CJK font installed: checking the missing-glyph path (install fonts-droid-fallback to test CJK text)")
		want := cjkRunes(tc.title) + cjkRunes(tc.label)*3 + cjkRunes(text)
		require.Equal(t, want, res.MissingGlyphs)
		require.GreaterOrEqual(t, strings.Count(got, "\u25A1"), want)
		return
	}
	require.Zero(t, res.MissingGlyphs, "every character has a glyph")
	flat := squash(got)
	require.Contains(t, flat, squash(tc.title))
	require.Contains(t, flat, squash(tc.label))
	require.Contains(t, flat, squash(tc.text), "the excerpt comes back as text")
	if !tc.cjk {
		require.Contains(t, words(got), tc.text, "Latin, Greek and Cyrillic text keeps its word spacing")
	}
}

func mustShared(t *testing.T) *Handler {
	h, err := sharedHandler()
	require.NoError(t, err)
	return h
}

func mustContentType(t *testing.T, b *testBundle, key string) string {
	t.Helper()
	attrs, err := b.lake.Bucket().Attributes(context.Background(), key)
	require.NoError(t, err)
	return attrs.ContentType
}

func TestRenderInputSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args func(b *testBundle, key string) map[string]any
		xcom func(b *testBundle, key string) any
	}{
		{name: "xcom_nested_output", args: func(*testBundle, string) map[string]any { return map[string]any{} },
			xcom: func(b *testBundle, key string) any {
				return map[string]any{"output": map[string]any{"uri": b.lake.URI(key), "key": key}, "records": 3}
			}},
		{name: "xcom_embedded_output_uri_only", args: func(*testBundle, string) map[string]any { return nil },
			xcom: func(b *testBundle, key string) any { return map[string]any{"uri": b.lake.URI(key), "size": 10} }},
		{name: "input_uri", args: func(b *testBundle, key string) map[string]any { return map[string]any{"input": b.lake.URI(key)} }},
		{name: "input_key", args: func(_ *testBundle, key string) map[string]any { return map[string]any{"input": key} }},
		{name: "input_task_renamed", args: func(*testBundle, string) map[string]any { return map[string]any{"input_task": "classify"} },
			xcom: func(b *testBundle, key string) any { return map[string]any{"output": map[string]any{"key": key}} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			key := b.writeInput(t, synthetic(3, 200), "not json", "", "[1,2]")
			var xcom any
			if tc.xcom != nil {
				xcom = tc.xcom(b, key)
			}
			res := b.run(t, tc.args(b, key), xcom)
			require.Equal(t, 3, res.Items)
			require.Equal(t, 3, res.Records)
			require.Equal(t, 2, res.BadLines, "a non-JSON line and a JSON array are skipped; the blank line is ignored")
			require.Equal(t, b.lake.URI(key), res.Input)
			wantKey, err := tasks.OutputKey(b.info, OutputName)
			require.NoError(t, err)
			require.Equal(t, wantKey, res.Key)
			require.Equal(t, b.lake.URI(wantKey), res.URI)
			require.Len(t, res.SHA256, 64)
			require.Contains(t, pdfText(t, b.pdfPath(res.Key), 0, 0), "2 unreadable lines skipped")
		})
	}
}

func TestRenderSummaryTable(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	recs := []record{
		{URL: "https://a.example/1", Title: "One", Label: "sport", Score: 0.9},
		{URL: "https://a.example/2", Title: "Two", Label: "sport", Score: 0.7},
		{URL: "https://a.example/3", Title: "Three", Label: "politics", Score: 0.6},
		{URL: "https://a.example/4", Title: "Four", Label: "", Score: 0.2},
	}
	key := b.writeInput(t, recs)
	res := b.run(t, map[string]any{"input": key}, nil)
	require.Equal(t, 3, res.Labels)
	got := words(pdfText(t, b.pdfPath(res.Key), 0, 0))
	require.Contains(t, got, "nightly_sites report 2026-11-28", "default title")
	for _, want := range []string{
		"Label Pages Share Mean score",
		"sport 2 50.0% 0.800",
		"politics 1 25.0% 0.600",
		"(none) 1 25.0% 0.200",
		"Total 4 100% 0.600",
		"scheduled__2026-11-28T02:00:00Z", "2026-11-28T02:00:00Z", "report (try 1)",
		"Page 1 of 1",
	} {
		require.Contains(t, got, want)
	}
}

func TestRenderLongReportPaginates(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	const n = 120
	key := b.writeInput(t, synthetic(n, 900))
	res := b.run(t, map[string]any{"input": key, "excerpt_chars": 900}, nil)
	pdf := b.pdfPath(res.Key)
	pages := pdfPages(t, pdf)
	require.Equal(t, res.PDFPages, pages)
	// An entry with a 900-character excerpt takes about 10 lines (~150 pt);
	// a page holds about 700 pt of content, so 120 entries need 25 to 40 pages.
	require.GreaterOrEqual(t, pages, 25)
	require.LessOrEqual(t, pages, 40)
	require.Equal(t, n, res.ItemsShown)
	require.False(t, res.Truncated)
	all := pdfText(t, pdf, 0, 0)
	for i := 1; i <= pages; i++ {
		require.Contains(t, all, "Page "+strconv.Itoa(i)+" of "+strconv.Itoa(pages))
	}
	last := pdfText(t, pdf, pages, pages)
	require.Contains(t, last, strconv.Itoa(n)+". Article number", "the last entry is on the last page")
	require.NotContains(t, all, "truncated")
}

func TestRenderMaxPagesCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		maxPages int
	}{{1}, {3}, {5}}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.maxPages), func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			key := b.writeInput(t, synthetic(200, 600))
			res := b.run(t, map[string]any{"input": key, "max_pages": tc.maxPages}, nil)
			pdf := b.pdfPath(res.Key)
			require.Equal(t, tc.maxPages, pdfPages(t, pdf))
			require.Equal(t, tc.maxPages, res.PDFPages)
			require.True(t, res.Truncated)
			require.Equal(t, 200, res.Items)
			require.Less(t, res.ItemsShown, 200)
			require.Equal(t, res.ItemsShown, res.Records)
			got := words(pdfText(t, pdf, tc.maxPages, tc.maxPages))
			require.Contains(t, got, "Report truncated at max_pages="+strconv.Itoa(tc.maxPages)+": "+
				strconv.Itoa(res.ItemsShown)+" of 200 pages shown.")
		})
	}
}

func TestRenderExcerptCap(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	text := repeat("alpha beta gamma delta", 100) + " OMEGAEND"
	key := b.writeInput(t, []record{{URL: "https://x.example/", Title: "T", Text: text, Label: "l"}})
	res := b.run(t, map[string]any{"input": key, "excerpt_chars": 50}, nil)
	got := words(pdfText(t, b.pdfPath(res.Key), 0, 0))
	require.Contains(t, got, "alpha beta gamma delta alpha beta gamma delta…")
	require.NotContains(t, got, "OMEGAEND")
}

func TestRenderWrapsOnWordBoundaries(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	vocab := []string{"international", "cooperation", "strengthens", "Zusammenarbeit", "stärkt", "współpraca",
		"międzynarodowa", "sotrudnichestvo", "extraordinarily", "comprehensive", "documentation", "Überraschung"}
	var sb strings.Builder
	for i := range 160 {
		sb.WriteString(vocab[(i*7)%len(vocab)])
		sb.WriteByte(' ')
	}
	text := strings.TrimSpace(sb.String())
	key := b.writeInput(t, []record{{URL: "https://x.example/", Title: "Wrapping", Text: text, Label: "l"}})
	res := b.run(t, map[string]any{"input": key, "excerpt_chars": 5000}, nil)
	got := pdfText(t, b.pdfPath(res.Key), 0, 0)
	// pdftotext separates lines by newlines: if a word were split across
	// lines, its halves would appear as two words.
	require.Contains(t, words(got), text)
	lines := 0
	for _, ln := range strings.Split(got, "\n") {
		if strings.HasPrefix(ln, "international") || strings.Contains(ln, "cooperation") {
			lines++
		}
	}
	require.Greater(t, lines, 5, "the excerpt wraps over many lines")
}

func TestRenderMissingGlyphsWithoutCJKFont(t *testing.T) {
	t.Parallel()
	h, err := New(Config{CJKFontCandidates: []string{filepath.Join(t.TempDir(), "absent.ttf")}})
	require.NoError(t, err)
	require.Empty(t, h.CJKFont())
	b := setup(t, h)
	text := "Hello 東京 world \U000F0000 end"
	key := b.writeInput(t, []record{{URL: "https://x.example/", Title: "Title 日本", Text: text, Label: "l"}})
	res := b.run(t, map[string]any{"input": key}, nil)
	// 東京 and 日本 have no glyph in the Go fonts; U+F0000 (private use) has none anywhere.
	require.Equal(t, 5, res.MissingGlyphs)
	require.Empty(t, res.CJKFont)
	got := pdfText(t, b.pdfPath(res.Key), 0, 0)
	require.Contains(t, got, "Hello \u25A1\u25A1 world \u25A1 end")
	require.Contains(t, got, "Title \u25A1\u25A1")
	require.Contains(t, got, "no CJK font installed")
}

func TestRenderPrivateUseIsMissingEvenWithCJKFont(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	key := b.writeInput(t, []record{{URL: "https://x.example/", Title: "T", Text: "a \U000F0001\U000F0002 b", Label: "l"}})
	res := b.run(t, map[string]any{"input": key}, nil)
	require.Equal(t, 2, res.MissingGlyphs)
	require.Contains(t, pdfText(t, b.pdfPath(res.Key), 0, 0), "a \u25A1\u25A1 b")
}

func TestRenderEmptyInput(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	key := b.writeInput(t, nil)
	res := b.run(t, map[string]any{"input": key, "title": "Empty night"}, nil)
	require.Zero(t, res.Items)
	require.Equal(t, 1, res.PDFPages)
	got := words(pdfText(t, b.pdfPath(res.Key), 0, 0))
	require.Contains(t, got, "Empty night")
	require.Contains(t, got, "The input holds no classified pages.")
}

func TestRenderRerunIsReproducible(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	key := b.writeInput(t, synthetic(10, 300))
	first := b.run(t, map[string]any{"input": key}, nil)
	b.info.Try = 2
	second := b.run(t, map[string]any{"input": key}, nil)
	require.Equal(t, first.Key, second.Key, "a retry overwrites the same object")
	require.NotEqual(t, first.SHA256, second.SHA256, "the facts show the try")
	// The try number is shown in the facts, so the bytes differ by it only;
	// a rerun of the same try is byte-identical.
	b.info.Try = 1
	third := b.run(t, map[string]any{"input": key}, nil)
	require.Equal(t, first.SHA256, third.SHA256)
}

func TestRenderConcurrentTasksShareFonts(t *testing.T) {
	t.Parallel()
	h, err := New(Config{})
	require.NoError(t, err)
	const workers = 4
	var wg sync.WaitGroup
	results := make([]Result, workers)
	errs := make([]error, workers)
	bundles := make([]*testBundle, workers)
	for i := range workers {
		b := setup(t, h)
		b.info.RunID = "manual__" + strconv.Itoa(i)
		recs := synthetic(12, 400)
		recs[3].Text = "東京の天気は晴れです。Съешь же ещё этих мягких булок. Η γρήγορη καφέ αλεπού."
		key := b.writeInput(t, recs)
		bundles[i] = b
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := h.Run(context.Background(), b.task(map[string]any{"input": key}, nil))
			errs[i] = err
			if err == nil {
				results[i] = out.(Result)
			}
		}()
	}
	wg.Wait()
	for i := range workers {
		require.NoError(t, errs[i])
		require.Equal(t, 12, results[i].ItemsShown)
		require.Contains(t, squash(pdfText(t, bundles[i].pdfPath(results[i].Key), 0, 0)), squash("Съешь же ещё этих мягких булок."))
	}
	again := bundles[0].run(t, map[string]any{"input": "runs/nightly_sites/manual__0/classify/classified.jsonl"}, nil)
	require.Equal(t, results[0].SHA256, again.SHA256, "a report rendered concurrently equals one rendered alone")
}
