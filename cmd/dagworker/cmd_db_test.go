package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dagworker/dagworker/internal/redistest"
	"github.com/dagworker/dagworker/internal/runstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestDBClean: a dry run lists and deletes nothing; --keep-last keeps the
// newest runs; the deleted runs' logs leave the lake unless --keep-outputs.
func TestDBClean(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(`
cleanme:
  tasks:
    - {task_id: hello, operator: echo, message: hi}
`), 0o644))
	// A Redis of its own: without --dag, db clean covers every DAG of the
	// key prefix, and dags test writes under the default one.
	srv := redistest.StartOwn(t)
	url := srv.URL()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	lake := t.TempDir()
	blobURL := "file://" + filepath.ToSlash(lake)
	ctx := context.Background()
	for _, ld := range []string{"2026-01-01", "2026-01-02", "2026-01-03"} {
		var out, errOut bytes.Buffer
		require.NoError(t, run(ctx, []string{"dags", "test", "cleanme", "--dags", dir, "--redis-url", url,
			"--blob-url", blobURL, "--logical-date", ld}, &out, &errOut), errOut.String())
	}
	st, err := runstore.New(runstore.Config{Client: rdb})
	require.NoError(t, err)
	runs, total, err := st.ListRuns(ctx, "cleanme", runstore.ListRunsOptions{})
	require.NoError(t, err)
	require.Equal(t, 3, total)
	logDir := func(i int) string { return filepath.Join(lake, "logs", "cleanme", runs[i].RunID) }
	for i := range runs {
		require.DirExists(t, logDir(i))
	}
	time.Sleep(1100 * time.Millisecond) // every run ended over a second ago
	clean := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		require.NoError(t, run(ctx, append([]string{"db", "clean", "--redis-url", url,
			"--blob-url", blobURL, "--older-than", "1s"}, args...), &out, &errOut), errOut.String())
		return out.String()
	}

	out := clean("--dry-run")
	require.Contains(t, out, "3 run(s) would be deleted")
	require.Contains(t, out, "would delete cleanme/"+runs[0].RunID)
	_, total, err = st.ListRuns(ctx, "cleanme", runstore.ListRunsOptions{})
	require.NoError(t, err)
	require.Equal(t, 3, total, "a dry run deletes nothing")
	require.DirExists(t, logDir(0))

	out = clean("--keep-last", "1", "--dag", "cleanme")
	require.Contains(t, out, "2 run(s) deleted, 2 data lake object(s)")
	for i := range 2 {
		_, err := st.GetRun(ctx, "cleanme", runs[i].RunID)
		require.ErrorIs(t, err, runstore.ErrRunNotFound)
		require.Zero(t, filesUnder(t, logDir(i)), "the deleted run's logs left the lake")
	}
	_, err = st.GetRun(ctx, "cleanme", runs[2].RunID)
	require.NoError(t, err, "the newest run is kept")

	out = clean("--keep-outputs")
	require.Contains(t, out, "1 run(s) deleted (outputs and logs kept)")
	require.Equal(t, 1, filesUnder(t, logDir(2)), "--keep-outputs keeps the try's log")

	var errOut bytes.Buffer
	require.Error(t, run(ctx, []string{"db", "clean", "--redis-url", url}, &bytes.Buffer{}, &errOut), "--older-than is required")
	require.Contains(t, errOut.String(), "usage: dagworker db clean")
}

// filesUnder counts the regular files under dir (0 when it is missing).
func filesUnder(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && filepath.Ext(d.Name()) != ".attrs" {
			n++
		}
		return nil
	})
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return n
}
