package dag

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/errors")

// testOptions is an operator set like the binary's: three typed operators
// (render declares its arguments) and a noop that takes any argument.
func testOptions() Options {
	return Options{
		Operators: map[string][]string{
			"scrape":   nil,
			"classify": nil,
			"render":   {"title"},
			"noop":     nil,
		},
		Aliases: map[string]string{
			"dagworker_airflow.operators.ScrapeOperator": "scrape",
		},
	}
}

// TestGoldenErrors checks the user-facing message of every file in
// testdata/errors against its .golden file (go test -update rewrites them).
func TestGoldenErrors(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/errors/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			_, warns, perr := Parse("dags/"+filepath.Base(f), src, testOptions())
			var b strings.Builder
			if perr != nil {
				b.WriteString(perr.Error() + "\n")
			}
			for _, w := range warns {
				b.WriteString("warning: " + w.String() + "\n")
			}
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), b.String())
		})
	}
}

// TestValidFixtures parses every file in testdata/valid without error.
func TestValidFixtures(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/valid/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		dags, _, err := Parse(f, src, testOptions())
		require.NoError(t, err, f)
		require.NotEmpty(t, dags, f)
	}
}
