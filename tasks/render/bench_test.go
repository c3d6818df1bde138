package render

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/signintech/gopdf"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/dagworker/dagworker/tasks"
)

// BenchmarkRender measures whole render tasks (read classified.jsonl from an
// in-memory data lake, lay out, write report.pdf) with a shared Handler, as
// a worker runs them. Reports hold English, Russian and Greek entries; the
// "-cjk" ones also a Japanese entry, so the CJK font is embedded when
// installed, and the "-cjk-ko" ones a Korean entry as well, so a second
// fallback font (NanumGothic) is embedded. Goal: ≥ 100 two-page reports/s.
func BenchmarkRender(b *testing.B) {
	h, err := New(Config{})
	require.NoError(b, err)
	for _, bc := range []struct {
		name    string
		records int
		pages   int
		cjk     bool
		korean  bool
	}{
		{name: "2-page", records: 6, pages: 2},
		{name: "50-page", records: 245, pages: 50},
		{name: "2-page-cjk", records: 6, pages: 2, cjk: true},
		{name: "50-page-cjk", records: 245, pages: 50, cjk: true},
		{name: "2-page-cjk-ko", records: 6, pages: 2, cjk: true, korean: true},
		{name: "50-page-cjk-ko", records: 245, pages: 50, cjk: true, korean: true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			lake, err := tasks.OpenLake(ctx, "mem://")
			require.NoError(b, err)
			defer lake.Close()
			recs := synthetic(bc.records, 600)
			recs[1].Text = repeat("Η γρήγορη καφέ αλεπού πηδά πάνω από το τεμπέλικο σκυλί.", 10)
			if bc.cjk {
				recs[1].Text = repeat("東京の天気は晴れです。明日は雨が降るでしょう。", 10)
			}
			recs[2].Text = repeat("Съешь же ещё этих мягких французских булок, да выпей же чаю.", 8)
			if bc.korean {
				recs[3].Text = repeat("서울의 날씨는 맑습니다. 내일은 비가 오겠습니다.", 10)
			}
			var data []byte
			for _, r := range recs {
				line, err := json.Marshal(r)
				require.NoError(b, err)
				data = append(append(data, line...), '\n')
			}
			const key = "runs/nightly/bench/classify/classified.jsonl"
			require.NoError(b, lake.Put(ctx, key, data, "application/x-ndjson"))
			args, err := json.Marshal(map[string]any{"input": key, "title": "Benchmark report"})
			require.NoError(b, err)
			task := &tasks.Task{
				Type: "render", Args: args, Logger: slog.New(slog.DiscardHandler), Lake: lake,
				Info: tasks.Info{DagID: "nightly", RunID: "bench", TaskID: "report", Try: 1},
			}
			out, err := h.Run(ctx, task) // warm the font caches; check the report's size
			require.NoError(b, err)
			require.Equal(b, bc.pages, out.(Result).PDFPages)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := h.Run(ctx, task); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
			b.ReportMetric(float64(out.(Result).Size), "pdf_bytes")
		})
	}
}

// BenchmarkBareGopdf is the reference for BenchmarkRender: a two-page PDF of
// plain lines in the Go font straight from gopdf, parsing the font per
// document as a naive handler would. On a loaded machine compare the two
// rather than absolute numbers.
func BenchmarkBareGopdf(b *testing.B) {
	line := "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt."
	for b.Loop() {
		gp := &gopdf.GoPdf{}
		gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
		if err := gp.AddTTFFontData("go", goregular.TTF); err != nil {
			b.Fatal(err)
		}
		for range 2 {
			gp.AddPage()
			if err := gp.SetFont("go", "", 10); err != nil {
				b.Fatal(err)
			}
			for y := 50.0; y < 790; y += 13.5 {
				gp.SetXY(50, y)
				if err := gp.Text(line); err != nil {
					b.Fatal(err)
				}
			}
		}
		if _, err := gp.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}
