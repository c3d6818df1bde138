package render

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

// TestFanInReport: a report over two upstream classify tasks (and a scrape
// task beside them, whose pages it cannot read) holds a section per input
// with its own summary and pages, and a summary of both.
func TestFanInReport(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	write := func(task string, recs []record, kind string) map[string]any {
		var sb strings.Builder
		for _, r := range recs {
			line, err := json.Marshal(r)
			require.NoError(t, err)
			sb.Write(line)
			sb.WriteByte('\n')
		}
		key := "runs/" + b.info.DagID + "/" + b.info.RunID + "/" + task + "/out.jsonl"
		require.NoError(t, b.lake.Put(ctx, key, []byte(sb.String()), "application/x-ndjson"))
		return map[string]any{"output": map[string]any{"key": key, "kind": kind}}
	}
	news := synthetic(3, 60)
	blogs := synthetic(2, 60)
	for i := range blogs {
		blogs[i].Title = "Blog entry " + blogs[i].Title
	}
	xcoms := map[string]map[string]any{
		"classify_blogs": write("classify_blogs", blogs, tasks.KindClassified),
		"classify_news":  write("classify_news", news, tasks.KindClassified),
		"scrape_news":    write("scrape_news", news, tasks.KindPages),
	}
	args, err := json.Marshal(map[string]any{"title": "Fan-in"})
	require.NoError(t, err)
	task := &tasks.Task{Type: "render", Info: b.info, Args: args, Logger: slog.New(slog.DiscardHandler), Lake: b.lake,
		Upstream: []string{"classify_blogs", "classify_news", "scrape_news"},
		XCom: func(_ context.Context, id string) (json.RawMessage, error) {
			return json.Marshal(xcoms[id])
		}}
	v, err := b.h.Run(ctx, task)
	require.NoError(t, err)
	res := v.(Result)
	require.Len(t, res.Inputs, 2, "the pages of scrape_news are not a classified input")
	require.Equal(t, 5, res.Items)
	require.Equal(t, 5, res.ItemsShown)
	require.Equal(t, tasks.KindReport, res.Kind)
	text := words(pdfText(t, b.pdfPath(res.Key), 0, 0))
	require.Contains(t, text, "Summary by label, all 2 inputs")
	blogsAt, newsAt := strings.Index(text, "Input classify_blogs"), strings.Index(text, "Input classify_news")
	require.Positive(t, blogsAt, text)
	require.Greater(t, newsAt, blogsAt, "sections in upstream order")
	require.Contains(t, text, "Pages of classify_blogs (2)")
	require.Contains(t, text, "Pages of classify_news (3)")
	require.Greater(t, strings.Index(text, "Blog entry Article number 1"), blogsAt)
	require.Less(t, strings.Index(text, "Blog entry Article number 1"), newsAt)
	require.Greater(t, strings.LastIndex(text, "Article number 2"), newsAt)

	// input_task picks one of them
	args, err = json.Marshal(map[string]any{"input_task": "classify_news"})
	require.NoError(t, err)
	task.Args = args
	v, err = b.h.Run(ctx, task)
	require.NoError(t, err)
	require.Equal(t, 3, v.(Result).Items)
	// and refuses a producer of pages
	args, err = json.Marshal(map[string]any{"input_task": []string{"scrape_news"}})
	require.NoError(t, err)
	task.Args = args
	_, err = b.h.Run(ctx, task)
	require.ErrorContains(t, err, `task "scrape_news" wrote pages, this task reads classified`)
}
