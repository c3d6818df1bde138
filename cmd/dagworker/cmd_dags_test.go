package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDagsValidate(t *testing.T) {
	t.Parallel()
	good := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(good, "a.yaml"), []byte(`
a:
  schedule: "@daily"
  start_date: 2026-01-01
  tasks:
    - task_id: x
      operator: noop
`), 0o644))
	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, "b.yaml"), []byte(`
b:
  tasks:
    - task_id: x
      operator: scrap
    - task_id: y
      operator: noop
      dependencies: [z]
`), 0o644))
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		out     []string
	}{
		{"good folder", []string{"dags", "validate", good}, false, []string{"ok: 1 DAG(s) valid"}},
		{"bad folder lists every error", []string{"dags", "validate", bad}, true, []string{
			`b.yaml:5:17: task "x": unknown operator "scrap" (did you mean "scrape"?)`,
			`b.yaml:8:22: task "y": dependency "z" does not exist`,
			"2 error(s)"}},
		{"single file", []string{"dags", "validate", filepath.Join(good, "a.yaml")}, false, []string{"ok: 1 DAG(s) valid"}},
		{"shipped dags", []string{"dags", "validate", "--dags", "../../dags"}, false, []string{"ok: 3 DAG(s) valid"}},
		{"list", []string{"dags", "list", "--dags", good, "--now", "2026-03-01T12:00:00Z"}, false,
			[]string{"a", "@daily", "2026-03-02T00:00Z, 2026-03-03T00:00Z, 2026-03-04T00:00Z", "1"}},
		{"render", []string{"dags", "render", "nightly_sites", "--dags", "../../dags", "--logical-date", "2026-11-28", "--format", "json", "--conf", `{"max_pages": 5}`}, false,
			[]string{`"title": "Nightly report 2026-11-28"`, `"max_pages": 5`, `"https://example.org/news"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if tc.wantErr {
				require.Equal(t, exitError(1), err)
			} else {
				require.NoError(t, err, errOut.String())
			}
			all := out.String() + errOut.String()
			for _, s := range tc.out {
				require.Contains(t, all, s)
			}
		})
	}
}
