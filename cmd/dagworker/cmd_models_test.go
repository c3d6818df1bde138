package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestModelsList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "tasks", "classify", "testdata", "models", "tiny-nli")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "acme_nli"), 0o755))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "acme_nli", e.Name()), data, 0o644))
	}
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"models", "list", "--models", dir}, &out, &errOut))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	require.Regexp(t, `^NAME\s+PIPELINE\s+LABELS\s+SIZE\s+DIR`, lines[0])
	require.Regexp(t, `^acme_nli\s+zero_shot\s+contradiction,neutral,entailment\s+\d+\.\d KiB\s+`, lines[1])
	require.Regexp(t, `^demo-sentiment\s+text_classification\s+NEGATIVE,POSITIVE\s+\d+\.\d KiB\s+embedded`, lines[2])

	out.Reset()
	require.NoError(t, run(context.Background(), []string{"models", "list", "--models", dir, "--json"}, &out, &errOut))
	require.Contains(t, out.String(), `"pipeline": "zero_shot"`)

	require.Error(t, run(context.Background(), []string{"models", "fetch"}, &out, &errOut))
	require.Error(t, run(context.Background(), []string{"models", "pull", "not a repo"}, &out, &errOut))
}
