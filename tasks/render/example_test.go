package render_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/render"
)

// Example renders a report from a classified.jsonl in an in-memory data lake.
// A worker registers the handler once (worker.Handle("render", h)) and the
// engine passes the rendered DAG arguments.
func Example() {
	ctx := context.Background()
	h, err := render.New(render.Config{Logger: slog.Default()})
	if err != nil {
		fmt.Println(err)
		return
	}
	lake, err := tasks.OpenLake(ctx, "mem://")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lake.Close()
	input := `{"url":"https://example.org/a","title":"Markets","text":"Stocks rose.","label":"economy","score":0.91}
{"url":"https://example.org/b","title":"Футбол","text":"Матч закончился вничью.","label":"sport","score":0.84}
`
	if err := lake.Put(ctx, "in/classified.jsonl", []byte(input), "application/x-ndjson"); err != nil {
		fmt.Println(err)
		return
	}
	out, err := h.Run(ctx, &tasks.Task{
		Type: "render",
		Info: tasks.Info{DagID: "nightly_sites", RunID: "manual__demo", TaskID: "report", Try: 1},
		Args: json.RawMessage(`{"title": "Nightly report", "input": "in/classified.jsonl"}`),
		Lake: lake,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := out.(render.Result)
	fmt.Println(res.Key, res.PDFPages, res.Items, res.MissingGlyphs)
	// Output: runs/nightly_sites/manual__demo/report/report.pdf 1 2 0
}
