package opdoc

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGeneratedUpToDate: operators_gen.go, the README's tables and
// operators.schema.json are what the Args structs say now.
func TestGeneratedUpToDate(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "run", "./gen", "-check").CombinedOutput()
	require.NoError(t, err, "%s", out)
}

func TestTablesAndSchema(t *testing.T) {
	t.Parallel()
	o, ok := Get("scrape")
	require.True(t, ok)
	require.Contains(t, Markdown(), "| `allow_private` | boolean | false |")
	var found bool
	for _, a := range o.Args {
		found = found || a.Name == "max_pages" && a.Type == "integer" && a.Default != ""
	}
	require.True(t, found, "max_pages is documented with its type and default")
	s := Schema()
	require.Len(t, s["allOf"], len(All()))
}
