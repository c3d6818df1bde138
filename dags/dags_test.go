package dags_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/dags"
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/dagworker/dagworker/tasks/classify"
	"github.com/dagworker/dagworker/tasks/render"
	"github.com/dagworker/dagworker/tasks/scrape"
)

// builtin mirrors the operators the shipped DAGs use from the binary's set
// (cmd/dagworker/operators.go), with the argument names each accepts, so a
// misspelt argument in a shipped DAG fails here.
func builtin() dag.Options {
	return dag.Options{
		Operators: map[string][]string{
			"scrape":   scrape.ArgNames(),
			"classify": classify.ArgNames(),
			"render":   render.ArgNames(),
			"noop":     nil,
			"echo":     nil,
		},
		Aliases: map[string]string{
			"dagworker_airflow.operators.ScrapeOperator":   "scrape",
			"dagworker_airflow.operators.ClassifyOperator": "classify",
			"dagworker_airflow.operators.RenderOperator":   "render",
			"dagworker_airflow.operators.NoopOperator":     "noop",
			"dagworker_airflow.operators.EchoOperator":     "echo",
		},
	}
}

func TestShippedDAGsValidate(t *testing.T) {
	t.Parallel()
	set, err := dag.LoadDir(dags.FS, builtin())
	require.NoError(t, err)
	require.NoError(t, set.Err())
	require.Empty(t, set.Warnings)
	tests := []struct {
		id    string
		tasks []string
	}{
		{"nightly_sites", []string{"scrape", "classify", "report"}},
		{"example_fanout", []string{"start", "news.scrape_news", "news.classify_news", "blogs.scrape_blogs", "blogs.classify_blogs", "report"}},
		{"example_dagfactory", []string{"start", "greetings.hello", "greetings.bye", "done"}},
	}
	require.Len(t, set.DAGs, len(tests))
	for _, tc := range tests {
		d := set.DAGs[tc.id]
		require.NotNil(t, d, tc.id)
		var ids []string
		for _, task := range d.Tasks {
			ids = append(ids, task.ID)
		}
		require.Equal(t, tc.tasks, ids, tc.id)
	}
	report := set.DAGs["example_fanout"].Task("report")
	require.Equal(t, []string{"blogs.classify_blogs", "blogs.scrape_blogs", "news.classify_news", "news.scrape_news"}, report.Upstream)
}
