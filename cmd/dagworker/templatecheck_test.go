package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestValidateChecksTemplates: dags validate evaluates every template
// against the names a run will have and reports mistakes a run would hit.
func TestValidateChecksTemplates(t *testing.T) {
	t.Parallel()
	const head = `
x:
  params: {sites: ["https://example.org"], who: world}
  tasks:
    - {task_id: start, operator: noop}
`
	tests := []struct {
		name, task string
		msg        string // "" when valid
	}{
		{"known names", `    - {task_id: e, operator: echo, dependencies: [start], msg: "{{ ds }} {{ params.who }} {{ run_id }} {{ ti.xcom_pull(task_ids='start') }}"}`, ""},
		{"conf keys a trigger may give", `    - {task_id: e, operator: echo, msg: "{{ dag_run.conf.anything }} {{ params.extra | default('x') }}"}`, ""},
		{"a task's own params", `    - {task_id: e, operator: echo, msg: "{{ params.mine }} {{ params.who }}", params: {mine: 1}}`, ""},
		{"another task's params are not this one's", `    - {task_id: e, operator: echo, msg: "{{ params.mine }}"}
    - {task_id: f, operator: echo, params: {mine: 1}}`, `unknown name: "params.mine"`},
		{"variables", `    - {task_id: e, operator: echo, msg: "{{ var.value.region }} {{ var.json.limits.pages }}"}`, ""},
		{"misspelt name", `    - {task_id: e, operator: echo, msg: "{{ dss }}"}`, `x.yaml:6:8: task "e": argument "msg": template: offset 3: unknown name: "dss" (did you mean "ds"?)`},
		{"misspelt param", `    - {task_id: e, operator: echo, msg: "{{ params.whoo }}"}`, `(did you mean "params.who"?)`},
		{"unknown filter", `    - {task_id: e, operator: echo, msg: "{{ params.who | uppper }}"}`, `filter "uppper"`},
		{"syntax", `    - {task_id: e, operator: echo, msg: "{{ params.who "}`, "syntax error"},
		{"xcom of a task that is not upstream", `    - {task_id: e, operator: echo, msg: "{{ ti.xcom_pull(task_ids='strat') }}", dependencies: [start]}`,
			`task "strat" is not upstream of "e" (upstream: start) (did you mean "start"?)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "x.yaml"), []byte(head+tc.task+"\n"), 0o644))
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"dags", "validate", "--dags", dir}, &out, &errOut)
			if tc.msg == "" {
				require.NoError(t, err, errOut.String())
				return
			}
			require.Equal(t, exitError(1), err)
			require.Contains(t, errOut.String(), tc.msg)
		})
	}
}
