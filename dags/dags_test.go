package dags_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/dags"
	"github.com/dagworker/dagworker/internal/dag"
)

// builtin mirrors the binary's operator set (cmd/dagworker/operators.go).
func builtin() dag.Options {
	return dag.Options{
		Operators: map[string][]string{"scrape": nil, "classify": nil, "render": nil, "noop": nil},
		Aliases: map[string]string{
			"dagworker_airflow.operators.ScrapeOperator":   "scrape",
			"dagworker_airflow.operators.ClassifyOperator": "classify",
			"dagworker_airflow.operators.RenderOperator":   "render",
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
		{"example_fanout", []string{"start", "scrape_news", "classify_news", "scrape_blogs", "classify_blogs", "report"}},
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
	require.Equal(t, []string{"classify_blogs", "classify_news", "scrape_blogs", "scrape_news"}, report.Upstream)
}
