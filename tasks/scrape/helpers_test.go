package scrape_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/tasks"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// fixedNow is the clock of every test handler.
var fixedNow = time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)

// bundle is what a scrape test needs: a handler and a file:// data lake in
// a temporary directory, and optionally the demo site.
type bundle struct {
	h    *scrape.Handler
	lake *tasks.Lake
	dir  string
	site *demosite.Server
}

func setup(t testing.TB, cfg scrape.Config) *bundle {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = func() time.Time { return fixedNow }
	}
	h, err := scrape.New(cfg)
	require.NoError(t, err)
	dir := t.TempDir()
	lake, err := tasks.OpenLake(context.Background(), "file://"+filepath.ToSlash(dir))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, lake.Close()) })
	return &bundle{h: h, lake: lake, dir: dir}
}

// withSite starts a demo site for the test.
func (b *bundle) withSite(t testing.TB, cfg demosite.Config) *bundle {
	t.Helper()
	site, err := demosite.StartConfig(context.Background(), "127.0.0.1:0", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, site.Close()) })
	b.site = site
	return b
}

func info(taskID string) tasks.Info {
	return tasks.Info{DagID: "dag", RunID: "run", TaskID: taskID, Try: 1, MaxTries: 3}
}

// run runs one scrape try with args and returns its result and the pages
// it wrote.
func (b *bundle) run(t testing.TB, taskID string, args map[string]any) (scrape.Result, []scrape.Page, error) {
	t.Helper()
	raw, err := json.Marshal(args)
	require.NoError(t, err)
	return b.runRaw(t, taskID, raw)
}

func (b *bundle) runRaw(t testing.TB, taskID string, raw []byte) (scrape.Result, []scrape.Page, error) {
	t.Helper()
	task := &tasks.Task{Type: scrape.TaskType, Info: info(taskID), Args: raw, Logger: slog.New(slog.DiscardHandler), Lake: b.lake}
	out, err := b.h.Run(context.Background(), task)
	if err != nil {
		require.Nil(t, out)
		return scrape.Result{}, nil, err
	}
	res, ok := out.(scrape.Result)
	require.True(t, ok, "Run returns a scrape.Result")
	data, err := b.lake.Get(context.Background(), res.Key)
	require.NoError(t, err)
	var pages []scrape.Page
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 256<<20)
	for sc.Scan() {
		var p scrape.Page
		require.NoError(t, json.Unmarshal(sc.Bytes(), &p))
		pages = append(pages, p)
	}
	require.NoError(t, sc.Err())
	return res, pages, nil
}

func byFinalURL(pages []scrape.Page) map[string]scrape.Page {
	m := make(map[string]scrape.Page, len(pages))
	for _, p := range pages {
		m[p.FinalURL] = p
	}
	return m
}
