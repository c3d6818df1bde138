package apiengine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/internal/apimodel"
)

// TestReadDAGFile: a DAG's file reads whole; a missing one is
// apimodel.ErrNotFound (404) and one beyond maxSourceBytes ErrInvalid.
// The adapters' other methods run through the API in internal/api's
// engine tests.
func TestReadDAGFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yaml")
	require.NoError(t, os.WriteFile(small, []byte("d:\n  tasks: []\n"), 0o600))
	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("#\n", maxSourceBytes/2+1)), 0o600))
	tests := []struct {
		name, path string
		want       error
	}{
		{"a file", small, nil},
		{"missing", filepath.Join(dir, "nope.yaml"), apimodel.ErrNotFound},
		{"too large", big, apimodel.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := readDAGFile(tc.path)
			if tc.want == nil {
				require.NoError(t, err)
				require.Equal(t, "d:\n  tasks: []\n", string(b))
				return
			}
			require.True(t, errors.Is(err, tc.want), "%v", err)
		})
	}
}
