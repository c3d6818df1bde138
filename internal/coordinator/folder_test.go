package coordinator_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dagworker/dagworker/internal/coordinator"
	"github.com/dagworker/dagworker/internal/dag"
	"github.com/stretchr/testify/require"
)

func dagFile(id, desc string) string {
	return id + ":\n  description: " + desc + "\n  schedule: null\n  tasks:\n    - task_id: a\n      operator: noop\n"
}

func ids(f *coordinator.Folder) map[string]string {
	out := map[string]string{}
	for _, d := range f.DAGs() {
		out[d.ID] = d.Description
	}
	return out
}

func TestFolderReload(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	f, err := coordinator.NewFolder(coordinator.FolderConfig{Dir: dir})
	require.NoError(t, err)
	writeFile(t, dir, "one.yaml", dagFile("one", "v1"))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	writeFile(t, dir, "sub/two.yml", dagFile("two", "v1"))
	writeFile(t, dir, "notes.txt", "not a dag")

	changed, err := f.Load(ctx)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, map[string]string{"one": "v1", "two": "v1"}, ids(f))
	require.Empty(t, f.ImportErrors())

	changed, err = f.Load(ctx)
	require.NoError(t, err)
	require.False(t, changed, "nothing changed on disk")

	// A broken edit keeps the last good version and reports the error.
	writeFile(t, dir, "one.yaml", "one:\n  description: v2\n  tasks:\n    - task_id: a\n      operator: noop\n      dependencies: [missing]\n")
	_, err = f.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"one": "v1", "two": "v1"}, ids(f))
	errs := f.ImportErrors()
	require.Len(t, errs, 1)
	require.Equal(t, filepath.Join(dir, "one.yaml"), errs[0].File)
	require.ErrorIs(t, errs[0].Err, dag.ErrDependency)
	since := errs[0].Since

	// Still broken in another way: the error changes, Since stays.
	writeFile(t, dir, "one.yaml", "one: [")
	_, err = f.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, "v1", ids(f)["one"])
	require.Len(t, f.ImportErrors(), 1)
	require.Equal(t, since, f.ImportErrors()[0].Since)

	// Fixed: the new version loads and the error is gone.
	writeFile(t, dir, "one.yaml", dagFile("one", "v3"))
	_, err = f.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"one": "v3", "two": "v1"}, ids(f))
	require.Empty(t, f.ImportErrors())

	// A second file defining the same id is an import error of that file.
	writeFile(t, dir, "z_dup.yaml", dagFile("one", "dup"))
	_, err = f.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, "v3", ids(f)["one"])
	require.Len(t, f.ImportErrors(), 1)
	require.ErrorIs(t, f.ImportErrors()[0].Err, coordinator.ErrDuplicateDAG)

	// Removed files drop their DAGs.
	require.NoError(t, os.Remove(filepath.Join(dir, "sub", "two.yml")))
	require.NoError(t, os.Remove(filepath.Join(dir, "z_dup.yaml")))
	changed, err = f.Load(ctx)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, map[string]string{"one": "v3"}, ids(f))
	d, ok := f.DAG("one")
	require.True(t, ok)
	require.Equal(t, "v3", d.Description)
}

func TestFolderErrors(t *testing.T) {
	t.Parallel()
	_, err := coordinator.NewFolder(coordinator.FolderConfig{})
	require.ErrorIs(t, err, coordinator.ErrInvalidConfig)
	f, err := coordinator.NewFolder(coordinator.FolderConfig{Dir: filepath.Join(t.TempDir(), "missing")})
	require.NoError(t, err)
	_, err = f.Load(t.Context())
	require.ErrorIs(t, err, coordinator.ErrDAGFolder)
}
