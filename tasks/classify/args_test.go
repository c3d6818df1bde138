package classify

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

func TestInvalidArgs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		name string
		args map[string]any
		arg  string // the argument the error must name
	}{
		{"no model", map[string]any{}, "model"},
		{"unknown pipeline", map[string]any{"model": DemoModel, "pipeline": "ner"}, "pipeline"},
		{"zero shot without labels", map[string]any{"model": nliModel, "pipeline": "zero_shot"}, "labels"},
		{"template without slot", map[string]any{"model": nliModel, "pipeline": "zero_shot", "labels": []string{"a"}, "hypothesis_template": "no slot"}, "hypothesis_template"},
		{"template on classification", map[string]any{"model": DemoModel, "hypothesis_template": "It is {}."}, "hypothesis_template"},
		{"duplicate label", map[string]any{"model": nliModel, "pipeline": "zero_shot", "labels": []string{"a", "a"}}, "labels"},
		{"empty label", map[string]any{"model": nliModel, "pipeline": "zero_shot", "labels": []string{" "}}, "labels"},
		{"description for unknown label", map[string]any{"model": embeddingModel, "pipeline": "embedding", "labels": []string{"a"}, "label_descriptions": map[string]string{"b": "x"}}, "label_descriptions"},
		{"batch too big", map[string]any{"model": DemoModel, "batch_size": 33}, "batch_size"},
		{"batch negative", map[string]any{"model": DemoModel, "batch_size": -1}, "batch_size"},
		{"max_length tiny", map[string]any{"model": DemoModel, "max_length": 2}, "max_length"},
		{"top_k negative", map[string]any{"model": DemoModel, "top_k": -3}, "top_k"},
		{"wrong type", map[string]any{"model": DemoModel, "batch_size": "eight"}, "batch_size"},
		{"input and input_task", map[string]any{"model": DemoModel, "input": "a/b", "input_task": "x"}, "input_task"},
		{"input escapes", map[string]any{"model": DemoModel, "input": "runs/../secret"}, "input"},
		{"input other lake", map[string]any{"model": DemoModel, "input": "s3://other/runs/x/pages.jsonl"}, "input"},
		{"input missing", map[string]any{"model": DemoModel, "input": "runs/d/r1/none/pages.jsonl"}, "input"},
		{"missing model", map[string]any{"model": "no-such-model"}, "model"},
		{"not a model", map[string]any{"model": "./testdata"}, "model"},
		{"nli model without entailment", map[string]any{"model": DemoModel, "pipeline": "zero_shot", "labels": []string{"a"}}, "model"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.h.Run(context.Background(), b.task(t, c.args, "some text"))
			require.Error(t, err)
			require.ErrorIs(t, err, tasks.ErrInvalidArgs)
			require.True(t, tasks.IsPermanent(err))
			require.Contains(t, err.Error(), `"`+c.arg+`"`)
		})
	}
	t.Run("unknown argument", func(t *testing.T) {
		t.Parallel()
		_, err := b.h.Run(context.Background(), b.task(t, map[string]any{"model": DemoModel, "modle": "x"}, "text"))
		require.ErrorIs(t, err, tasks.ErrInvalidArgs)
		require.Contains(t, err.Error(), "modle")
	})
}

func TestArgNamesMatchArgs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, name := range ArgNames() {
		// every listed name is accepted by the strict decoder (a type error,
		// not an unknown-field error)
		_, err := b.h.Run(context.Background(), b.task(t, map[string]any{name: struct{ X int }{}}, "x"))
		require.ErrorIs(t, err, tasks.ErrInvalidArgs)
		require.NotContains(t, err.Error(), "unknown field", name)
	}
}

func TestModelNotFoundListsPlaces(t *testing.T) {
	t.Parallel()
	modelsDir := t.TempDir()
	h, err := New(Config{ModelsDir: modelsDir, CacheDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	_, err = h.resolveModel(context.Background(), "acme/sentiment")
	require.ErrorIs(t, err, ErrModelNotFound)
	for _, place := range []string{
		filepath.Join(modelsDir, "acme", "sentiment"), filepath.Join(modelsDir, "acme_sentiment"),
		"embedded models [" + DemoModel + "]", "local directory acme/sentiment",
	} {
		require.Equal(t, 1, strings.Count(err.Error(), place+";"), "%s listed once", place)
	}
	require.Contains(t, err.Error(), "to add one: dagworker models pull owner/name, or put a model folder")
	_, err = h.resolveModel(context.Background(), "sentiment-multilingual")
	require.Equal(t, 1, strings.Count(err.Error(), filepath.Join(modelsDir, "sentiment-multilingual")), "each folder once: %v", err)
}

func TestModelResolution(t *testing.T) {
	t.Parallel()
	modelsDir := t.TempDir()
	copyDir(t, nliModel, filepath.Join(modelsDir, "acme_nli"))
	copyDir(t, embeddingModel, filepath.Join(modelsDir, "emb"))
	roots := t.TempDir()
	blobDir := filepath.Join(roots, "blob")
	copyDir(t, filepath.Join("models", DemoModel), blobDir)
	empty := filepath.Join(roots, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	cache := t.TempDir()
	h, err := New(Config{ModelsDir: modelsDir, CacheDir: cache, ModelRoots: []string{"testdata", roots}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	ctx := context.Background()
	cases := []struct{ ref, wantDir string }{
		{"acme/nli", filepath.Join(modelsDir, "acme_nli")},
		{"acme_nli", filepath.Join(modelsDir, "acme_nli")},
		{"emb", filepath.Join(modelsDir, "emb")},
		{nliModel, ""}, // local path: made absolute
		{DemoModel, filepath.Join(cache, "embedded")},
		{"file://" + filepath.ToSlash(blobDir), filepath.Join(cache, "blob")},
	}
	for _, c := range cases {
		m, err := h.resolveModel(ctx, c.ref)
		require.NoError(t, err, c.ref)
		require.True(t, isModelDir(m.Dir), c.ref)
		if c.wantDir != "" {
			require.Contains(t, m.Dir, c.wantDir, c.ref)
		}
	}
	// a blob model is copied once: deleting the source does not matter later
	first, err := h.resolveModel(ctx, "file://"+filepath.ToSlash(blobDir))
	require.NoError(t, err)
	require.NoError(t, os.RemoveAll(blobDir))
	second, err := h.resolveModel(ctx, "file://"+filepath.ToSlash(blobDir))
	require.NoError(t, err)
	require.Equal(t, first.Dir, second.Dir)
	// an empty blob folder is a clear miss
	_, err = h.resolveModel(ctx, "file://"+filepath.ToSlash(empty))
	require.ErrorIs(t, err, ErrModelNotFound)
}

// TestLocalModelsConfined: a task's model may be a local directory or a
// file:// URL only inside the registry, the cache or ModelRoots.
func TestLocalModelsConfined(t *testing.T) {
	t.Parallel()
	modelsDir := t.TempDir()
	copyDir(t, nliModel, filepath.Join(modelsDir, "nli"))
	outside := filepath.Join(t.TempDir(), "nli")
	copyDir(t, nliModel, outside)
	require.NoError(t, os.Symlink(outside, filepath.Join(modelsDir, "link")))
	h, err := New(Config{ModelsDir: modelsDir, CacheDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	ctx := context.Background()
	for _, ref := range []string{
		outside,
		"file://" + filepath.ToSlash(outside),
		filepath.Join(modelsDir, "..", filepath.Base(filepath.Dir(outside)), "nli"),
		filepath.Join(modelsDir, "link"),
		nliModel, // the test's own fixtures are not a root of this handler
	} {
		_, err := h.resolveModel(ctx, ref)
		require.ErrorIs(t, err, ErrModelOutsideRoots, ref)
		require.Contains(t, err.Error(), modelsDir, "the error names the allowed folders")
	}
	// /etc/passwd is no model folder, and its contents are never shown.
	_, err = h.resolveModel(ctx, "/etc/passwd")
	require.ErrorIs(t, err, ErrModelNotFound)
	require.NotContains(t, err.Error(), "root:")
	for _, ref := range []string{"nli", filepath.Join(modelsDir, "nli"), "file://" + filepath.ToSlash(filepath.Join(modelsDir, "nli"))} {
		m, err := h.resolveModel(ctx, ref)
		require.NoError(t, err, ref)
		require.True(t, isModelDir(m.Dir), ref)
	}
	// Through a task, the refusal is an invalid argument naming "model".
	b := setup(t)
	_, err = h.Run(ctx, b.task(t, map[string]any{"model": outside}, "text"))
	require.ErrorIs(t, err, tasks.ErrInvalidArgs)
	require.Contains(t, err.Error(), `"model"`)
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dst, 0o755))
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644))
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err := New(Config{ModelsDir: file})
	require.Error(t, err)
	_, err = New(Config{MaxLoaded: -1})
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrModelNotFound))
}

// An upstream output that is missing may still appear (a retry helps), so
// it is not a permanent failure; a missing explicit input is.
func TestMissingUpstreamOutputIsRetryable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	task := b.task(t, map[string]any{"model": DemoModel}, "fine")
	task.XCom = func(context.Context, string) (json.RawMessage, error) {
		return json.RawMessage(`{"output":{"key":"runs/d/gone/scrape/pages.jsonl"}}`), nil
	}
	_, err := b.h.Run(context.Background(), task)
	require.ErrorIs(t, err, tasks.ErrNotFound)
	require.False(t, tasks.IsPermanent(err), err.Error())
}
