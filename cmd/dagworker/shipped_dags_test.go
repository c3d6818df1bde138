package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/dags"
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/internal/demosite"
	"github.com/dagworker/dagworker/internal/redistest"
)

// TestShippedDAGsRun runs every DAG in dags/ to success with `dags test`
// against the demo site and the embedded model; a shipped DAG without a
// row here fails the test.
func TestShippedDAGsRun(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: apt-get install poppler-utils")
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // the parallel subtests run after this function returns
	site, err := demosite.Start(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = site.Close() })
	// conf per DAG, and text its report must hold ("" when it has none)
	runs := map[string]struct {
		conf   map[string]any
		report []string
	}{
		"nightly_sites": {map[string]any{"sites": []string{site.URL() + "/en/"}, "allow_private": true, "max_pages": 12},
			[]string{"Summary by label"}},
		"example_fanout": {map[string]any{"news": []string{site.URL() + "/en/"}, "blogs": []string{site.URL() + "/de/"}, "allow_private": true},
			[]string{"Summary by label, all 2 inputs", "Input blogs.classify_blogs", "Input news.classify_news"}},
		"example_dagfactory": {map[string]any{"greeting": "hi"}, nil},
	}
	set, err := dag.LoadDir(dags.FS, dagOptions())
	require.NoError(t, err)
	require.NoError(t, set.Err())
	for id := range set.DAGs {
		require.Contains(t, runs, id, "shipped DAG %s has no run in this test", id)
	}
	env := redistest.New(t)
	for id, r := range runs {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			lake := t.TempDir()
			conf, err := json.Marshal(r.conf)
			require.NoError(t, err)
			var out, errOut bytes.Buffer
			err = run(ctx, []string{"dags", "test", id, "--redis-url", env.URL,
				"--blob-url", "file://" + filepath.ToSlash(lake), "--conf", string(conf)}, &out, &errOut)
			require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
			require.Contains(t, out.String(), ": success")
			if len(r.report) == 0 {
				return
			}
			reports := findOutputs(t, lake, "/report.pdf")
			require.Len(t, reports, 1)
			// dags test ends with where the report went.
			require.Contains(t, out.String(), "report: "+reports[0])
			text, err := exec.Command("pdftotext", "-enc", "UTF-8", reports[0], "-").Output()
			require.NoError(t, err)
			for _, want := range r.report {
				require.Contains(t, strings.Join(strings.Fields(string(text)), " "), want)
			}
		})
	}
}

// TestRenamedTasksRun: tasks read their upstream tasks' outputs whatever
// their ids, and a fan-in report holds both classified inputs.
func TestRenamedTasksRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	site, err := demosite.Start(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = site.Close() })
	dir, lake := t.TempDir(), t.TempDir()
	yaml := `
renamed:
  params: {site: ""}
  tasks:
    - {task_id: fetch, operator: scrape, urls: ["{{ params.site }}/en/"], max_pages: 6, allow_private: true}
    - {task_id: fetch_de, operator: scrape, urls: ["{{ params.site }}/de/"], max_pages: 6, allow_private: true}
    - {task_id: label, operator: classify, dependencies: [fetch], model: demo-sentiment}
    - {task_id: label_de, operator: classify, dependencies: [fetch_de], model: demo-sentiment}
    - {task_id: pdf, operator: render, dependencies: [label, label_de, fetch]}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "renamed.yaml"), []byte(yaml), 0o644))
	var out, errOut bytes.Buffer
	err = run(ctx, []string{"dags", "test", "renamed", "--dags", dir, "--redis-url", redistest.New(t).URL,
		"--blob-url", "file://" + filepath.ToSlash(lake), "--conf", `{"site":"` + site.URL() + `"}`}, &out, &errOut)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	reports := findOutputs(t, lake, "/pdf/report.pdf")
	require.Len(t, reports, 1)
	text, err := exec.Command("pdftotext", "-enc", "UTF-8", reports[0], "-").Output()
	require.NoError(t, err)
	flat := strings.Join(strings.Fields(string(text)), " ")
	require.Contains(t, flat, "Input label ")
	require.Contains(t, flat, "Input label_de ")
}
