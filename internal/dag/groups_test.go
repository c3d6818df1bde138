package dag

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGroupPrefixes: task ids carry their groups' ids as Airflow's
// TaskGroup.child_id forms them (prefix_group_id: false turns it off for
// that group's own children), and dependencies name tasks by their YAML
// task_id, as dag-factory resolves them, or by the full id.
func TestGroupPrefixes(t *testing.T) {
	t.Parallel()
	src := `
g:
  task_groups:
    - group_name: collect
    - group_name: inner
      parent_group_name: collect
    - group_name: flat
      prefix_group_id: false
    - group_name: under_flat
      parent_group_name: flat
    - group_name: bare
      parent_group_name: collect
      prefix_group_id: false
  tasks:
    - {task_id: start, operator: noop}
    - {task_id: scrape_a, operator: noop, task_group_name: collect, dependencies: [start]}
    - {task_id: deep, operator: noop, task_group_name: inner, dependencies: [scrape_a]}
    - {task_id: plain, operator: noop, task_group_name: flat, dependencies: [collect.scrape_a]}
    - {task_id: below, operator: noop, task_group_name: under_flat}
    - {task_id: nopre, operator: noop, task_group_name: bare}
    - {task_id: end, operator: noop, dependencies: [collect, plain]}
`
	dags, warns, err := Parse("g.yaml", []byte(src), testOptions())
	require.NoError(t, err)
	require.Empty(t, warns)
	d := dags[0]
	var ids []string
	for _, tk := range d.Tasks {
		ids = append(ids, tk.ID)
	}
	require.ElementsMatch(t, []string{"start", "collect.scrape_a", "collect.inner.deep", "plain", "under_flat.below", "nopre", "end"}, ids)
	require.Equal(t, []string{"start"}, d.Task("collect.scrape_a").Upstream)
	require.Equal(t, []string{"collect.scrape_a"}, d.Task("collect.inner.deep").Upstream, "a short name resolves across groups")
	require.Equal(t, []string{"collect.scrape_a"}, d.Task("plain").Upstream, "the full id resolves too")
	require.Equal(t, []string{"collect.inner.deep", "collect.scrape_a", "nopre", "plain"}, d.Task("end").Upstream,
		"a group stands for its tasks, nested ones included")

	_, _, err = Parse("c.yaml", []byte(`
c:
  task_groups:
    - group_name: x
  tasks:
    - {task_id: x.a, operator: noop}
    - {task_id: a, operator: noop, task_group_name: x}
`), testOptions())
	require.ErrorIs(t, err, ErrDuplicate)
	require.Contains(t, err.Error(), `its id "x.a" is also the id of task "x.a"`)
}

// TestTaskLevelKeys: a task's params load; BaseOperator keys dagworker
// does not use load with one warning each, at their line.
func TestTaskLevelKeys(t *testing.T) {
	t.Parallel()
	src := `
k:
  params: {who: dag, keep: 1}
  tasks:
    - task_id: a
      operator: noop
      owner: ops
      params: {who: task}
      doc_md: "# A"
      email: [a@example.com]
      email_on_failure: true
      do_xcom_push: false
      max_active_tis_per_dag: 2
`
	dags, warns, err := Parse("k.yaml", []byte(src), testOptions())
	require.NoError(t, err)
	a := dags[0].Task("a")
	require.Equal(t, map[string]any{"who": "task"}, a.Params)
	require.Equal(t, "ops", a.Owner)
	require.Empty(t, a.Args, "ignored keys are not operator arguments")
	var lines []string
	for _, w := range warns {
		lines = append(lines, w.String())
	}
	joined := strings.Join(lines, "\n")
	for _, key := range []string{"doc_md", "email", "email_on_failure", "do_xcom_push", "max_active_tis_per_dag"} {
		require.Equal(t, 1, strings.Count(joined, `"`+key+`"`), "one warning for %s in %s", key, joined)
	}
	require.Contains(t, joined, "k.yaml:9:", "warnings carry file:line")
	_, _, err = Parse("bad.yaml", []byte("b:\n  tasks:\n    - {task_id: a, operator: noop, params: [1]}\n"), testOptions())
	require.ErrorIs(t, err, ErrInvalid)
}
