package main

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// findOutputs finds the lake files whose path ends with suffix.
func findOutputs(t *testing.T, lake, suffix string) []string {
	t.Helper()
	var found []string
	require.NoError(t, filepath.WalkDir(lake, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(filepath.ToSlash(p), suffix) {
			found = append(found, p)
		}
		return err
	}))
	return found
}
