package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/opdoc"
)

// TestOperatorsDocumented: every operator the binary registers is
// documented, with exactly the arguments it accepts.
func TestOperatorsDocumented(t *testing.T) {
	t.Parallel()
	for name, args := range builtinOperators() {
		o, ok := opdoc.Get(name)
		require.True(t, ok, "operator %s has no documentation (internal/opdoc/gen sources)", name)
		var documented []string
		for _, a := range o.Args {
			documented = append(documented, a.Name)
		}
		if args == nil { // any argument
			continue
		}
		require.ElementsMatch(t, args, documented, "operator %s", name)
	}
	require.Len(t, opdoc.All(), len(builtinOperators()))
}

func TestOperatorsCommand(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"operators", "list"}, &out, &errOut))
	require.Contains(t, out.String(), "notion")
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"operators", "show", "bash"}, &out, &errOut))
	require.Contains(t, out.String(), "skip_on_exit_code (integer or list of integers, default 99)")
	require.Error(t, run(context.Background(), []string{"operators", "show", "bsh"}, &out, &errOut))
}

// TestSchemaChecksOperatorArgTypes: with the schema an argument of the
// wrong type is caught before a run.
func TestSchemaChecksOperatorArgTypes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.yaml"), []byte(`
x:
  tasks:
    - {task_id: s, operator: scrape, urls: ["https://example.org"], max_pages: [1]}
`), 0o644))
	var out, errOut bytes.Buffer
	require.Equal(t, exitError(1), run(context.Background(), []string{"dags", "validate", "--dags", dir}, &out, &errOut))
	require.Contains(t, errOut.String(), "/x/tasks/0/max_pages': got array, want integer or string")
}
