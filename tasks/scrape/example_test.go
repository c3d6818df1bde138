package scrape_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// Scrape one page of the demo site into an in-memory data lake.
func Example() {
	ctx := context.Background()
	site, err := demosite.Start(ctx, "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer site.Close()
	lake, err := tasks.OpenLake(ctx, "mem://")
	if err != nil {
		panic(err)
	}
	defer lake.Close()

	h, err := scrape.New(scrape.Config{})
	if err != nil {
		panic(err)
	}
	args, _ := json.Marshal(map[string]any{"urls": site.URL() + "/de/articles/3", "max_depth": 0, "allow_private": true})
	out, err := h.Run(ctx, &tasks.Task{
		Type: scrape.TaskType,
		Info: tasks.Info{DagID: "demo", RunID: "manual__1", TaskID: "scrape", Try: 1},
		Args: args,
		Lake: lake,
	})
	if err != nil {
		panic(err)
	}
	res := out.(scrape.Result)
	data, _ := lake.Get(ctx, res.Key)
	var page scrape.Page
	_ = json.Unmarshal(data, &page)
	fmt.Println(res.URI, res.Pages)
	fmt.Println(page.Lang, page.Title)
	fmt.Println(strings.Split(page.Text, "\n")[1])
	// Output:
	// mem:///runs/demo/manual__1/scrape/pages.jsonl 1
	// de Wirtschaft: Meldung 3
	// Dies ist der Bericht Nummer 3 aus unserer Redaktion.
}
