package dag

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRules runs one small DAG per validation rule.
func TestRules(t *testing.T) {
	t.Parallel()
	const task = "\n  tasks:\n    - task_id: a\n      operator: noop\n"
	tests := []struct {
		name string
		src  string
		kind error  // nil: must parse
		msg  string // substring of the error, or of a warning when kind is nil
	}{
		{"unknown dag key", "x:\n  catchupp: true" + task, ErrUnknownKey, `unknown key "catchupp" (did you mean "catchup"?)`},
		{"no tasks", "x:\n  tasks: []\n", ErrInvalid, "has no tasks"},
		{"missing operator", "x:\n  tasks:\n    - task_id: a\n", ErrInvalid, "has no operator"},
		{"unknown operator", "x:\n  tasks:\n    - task_id: a\n      operator: scrap\n", ErrUnknownOperator, `did you mean "scrape"?`},
		{"alias", "x:\n  tasks:\n    - task_id: a\n      operator: dagworker_airflow.operators.ScrapeOperator\n", nil, ""},
		{"unknown arg", "x:\n  tasks:\n    - task_id: a\n      operator: render\n      titel: x\n", ErrUnknownKey, `did you mean "title"?`},
		{"self dependency", "x:\n  tasks:\n    - task_id: a\n      operator: noop\n      dependencies: [a]\n", ErrDependency, "depends on itself"},
		{"dangling", "x:\n  tasks:\n    - task_id: a\n      operator: noop\n      dependencies: [b]\n", ErrDependency, `"b" does not exist`},
		{"cycle", "x:\n  tasks:\n    - task_id: a\n      operator: noop\n      dependencies: [b]\n    - task_id: b\n      operator: noop\n      dependencies: [a]\n", ErrCycle, "a -> b -> a"},
		{"duplicate task", "x:\n  tasks:\n    - task_id: a\n      operator: noop\n    - task_id: a\n      operator: noop\n", ErrDuplicate, "defined twice"},
		{"invalid cron", "x:\n  schedule: \"0 25 * * *\"" + task, ErrSchedule, "invalid cron"},
		{"six fields", "x:\n  schedule: \"0 0 2 * * *\"" + task, ErrSchedule, "want 5"},
		{"@once", "x:\n  schedule: \"@once\"" + task, ErrSchedule, "@once and @continuous are not"},
		{"every minute of an hour", "x:\n  schedule: \"* 0 * * *\"" + task, nil, "60 times"},
		{"dom and dow", "x:\n  schedule: \"0 0 1 * 1\"" + task, nil, "EITHER"},
		{"start after end", "x:\n  start_date: 2026-02-01\n  end_date: 2026-01-01" + task, ErrInvalid, "before start_date"},
		{"bad trigger rule", "x:\n  tasks:\n    - task_id: a\n      operator: noop\n      trigger_rule: one_sucess\n", ErrInvalid, `did you mean "one_success"?`},
		{"bad timezone", "x:\n  timezone: Europe/Pariss" + task, ErrSchedule, "unknown timezone"},
		{"negative retries", "x:\n  tasks:\n    - task_id: a\n      operator: noop\n      retries: -2\n", ErrInvalid, "at least 0"},
		{"bad duration", "x:\n  dagrun_timeout: soon" + task, ErrInvalid, "not a duration"},
		{"negative duration", "x:\n  dagrun_timeout: -5" + task, ErrInvalid, "negative"},
		{"schedule and schedule_interval", "x:\n  schedule: \"@daily\"\n  schedule_interval: \"@daily\"" + task, ErrInvalid, "not both"},
		{"duration schedule needs start", "x:\n  schedule: 1h" + task, ErrSchedule, "needs a start_date"},
		{"dag id", "\"bad id\":" + task, ErrInvalid, "dag id"},
		{"dot dag id", "\"..\":" + task, ErrInvalid, `dag id ".." is not a name`},
		{"dot task id", "x:\n  tasks:\n    - task_id: \".\"\n      operator: noop\n", ErrInvalid, `task id "." is not a name`},
		{"default_args unknown", "x:\n  default_args:\n    retries: 1\n    bogus: 2" + task, ErrUnknownKey, `unknown key "bogus"`},
		{"ignored airflow key", "x:\n  tasks:\n    - task_id: a\n      operator: noop\n      depends_on_past: true\n", nil, "ignores"},
		{"group cycle", "x:\n  task_groups:\n    - group_name: g\n      parent_group_name: h\n    - group_name: h\n      parent_group_name: g" + task, ErrCycle, "cycle"},
		{"group depends on own task", "x:\n  task_groups:\n    - group_name: g\n      dependencies: [a]\n  tasks:\n    - task_id: a\n      operator: noop\n      task_group_name: g\n", ErrDependency, "own task"},
		{"not a mapping", "- a\n- b\n", ErrInvalid, "mapping of dag ids"},
		{"two documents", "x:\n  tasks: []\n---\ny: 1\n", ErrSyntax, "one YAML document"},
	}
	opts := testOptions()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, warns, err := Parse("r.yaml", []byte(tc.src), opts)
			if tc.kind == nil {
				require.NoError(t, err)
				if tc.msg != "" {
					require.NotEmpty(t, warns)
					require.Contains(t, warns[0].String(), tc.msg)
				}
				return
			}
			require.Error(t, err)
			require.True(t, errors.Is(err, tc.kind), "kind: %v", err)
			require.Contains(t, err.Error(), tc.msg)
			require.True(t, strings.HasPrefix(err.Error(), "r.yaml:"), err.Error())
		})
	}
}

func TestModel(t *testing.T) {
	t.Parallel()
	src := `
default:
  default_args:
    retries: 2
    retry_delay: {__type__: datetime.timedelta, minutes: 1, seconds: 30}
    title: "from default_args"
g:
  schedule: "@hourly"
  start_date: 2026-01-01T00:00:00+02:00
  task_groups:
    - group_name: outer
      default_args:
        queue: io
    - group_name: inner
      parent_group_name: outer
  tasks:
    - task_id: first
      operator: noop
    - task_id: deep
      operator: noop
      task_group_name: inner
      dependencies: [first]
      retries: 0
    - task_id: last
      operator: render
      dependencies: [outer]
`
	dags, _, err := Parse("m.yaml", []byte(src), testOptions())
	require.NoError(t, err)
	d := dags[0]
	require.Equal(t, []string{"first", "outer.inner.deep", "last"}, []string{d.Tasks[0].ID, d.Tasks[1].ID, d.Tasks[2].ID},
		"a task id carries its groups' ids, as in Airflow")
	deep := d.Task("outer.inner.deep")
	require.Equal(t, "outer.inner", deep.Group)
	require.Equal(t, "io", deep.Queue)
	require.Equal(t, 0, deep.Retries)
	require.Equal(t, 90*time.Second, deep.RetryDelay)
	last := d.Task("last")
	require.Equal(t, []string{"outer.inner.deep"}, last.Upstream)
	require.Equal(t, 2, last.Retries)
	require.Equal(t, "from default_args", last.Args["title"], "render declares title")
	require.NotContains(t, deep.Args, "title", "noop declares no arguments")
	require.Equal(t, []string{"last"}, deep.Downstream)
	require.Equal(t, []string{"first"}, deep.Upstream)
	require.Equal(t, ts("2025-12-31T22:00:00Z"), d.StartDate.UTC())
	require.Len(t, d.Version, 16)
	require.Equal(t, []string{"outer", "outer.inner"}, []string{d.Groups[0].ID, d.Groups[1].ID})
}
