package classify

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks/classify/internal/onnxgen"
)

var update = flag.Bool("update", false, "rewrite the generated models (models/, testdata/models/)")

// TestFixturesUpToDate checks the committed demo and test models are what
// internal/onnxgen generates (go test -run TestFixturesUpToDate -update
// or go generate rewrites them).
func TestFixturesUpToDate(t *testing.T) {
	t.Parallel()
	models := onnxgen.All()
	for name, rel := range onnxgen.Layout() {
		dir := filepath.FromSlash(rel)
		for file, want := range models[name] {
			path := filepath.Join(dir, file)
			if *update {
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, os.WriteFile(path, want, 0o644))
			}
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "%s is stale: run go generate ./tasks/classify", path)
			require.Less(t, len(got), 1<<20, "%s must stay well under 1 MiB", path)
		}
	}
}
