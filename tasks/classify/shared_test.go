package classify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConcurrentSharedModel classifies from several goroutines with one
// handler: the model is loaded once and every result is right.
func TestConcurrentSharedModel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const workers = 6
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			texts := []string{"great and wonderful", "terrible, awful", "super gut", "очень плохо"}
			want := []string{"POSITIVE", "NEGATIVE", "POSITIVE", "NEGATIVE"}
			task := b.task(t, map[string]any{"model": DemoModel, "batch_size": 1 + i%3}, texts...)
			task.Info.TaskID = fmt.Sprintf("classify%d", i)
			v, err := b.h.Run(context.Background(), task)
			if err != nil {
				errs <- err
				return
			}
			data, err := b.lake.Get(context.Background(), v.(Result).Output.Key)
			if err != nil {
				errs <- err
				return
			}
			for j, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				var rec struct{ Label string }
				if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Label != want[j] {
					errs <- fmt.Errorf("worker %d: %q → %q (%w)", i, texts[j], rec.Label, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, b.h.pool.loadedCount(), "one model shared by all tasks")
}

// TestPoolBounded keeps at most MaxLoaded models in memory.
func TestPoolBounded(t *testing.T) {
	t.Parallel()
	h, err := New(Config{CacheDir: t.TempDir(), ModelRoots: testModelRoots(t), MaxLoaded: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	for range 2 {
		l, release, err := h.pool.acquire(nliModel)
		require.NoError(t, err)
		require.NotNil(t, l)
		release()
		require.Equal(t, 1, h.pool.loadedCount(), "one load serves every pipeline")
	}
	l1, rel1, err := h.pool.acquire(nliModel)
	require.NoError(t, err)
	_, rel2, err := h.pool.acquire(embeddingModel)
	require.NoError(t, err)
	require.Equal(t, 2, h.pool.loadedCount(), "models in use are never unloaded")
	if l1.model.GoMLXModel != nil {
		require.Positive(t, l1.model.GoMLXModel.MaxCache, "shape buckets bound the compiled-graph cache")
	}
	rel1()
	rel2()
	require.Equal(t, 1, h.pool.loadedCount())
}

// TestSharedModels runs the pipelines on every model of the shared test
// models folder (DAGWORKER_TEST_MODELS), including real exporter output.
func TestSharedModels(t *testing.T) {
	t.Parallel()
	root := sharedModelsDir(t)
	if root == "" {
		t.Skip("shared models folder not found (set DAGWORKER_TEST_MODELS); the own-fixture tests cover the pipelines")
	}
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	texts := []string{"The parcel arrived quickly and everything works easily.", "Déjà vu: la livraison était terrible.", "東京の天気は良いです。"}
	ran := 0
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() || !isModelDir(dir) {
			continue
		}
		ran++
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
			kind, labels := describe(data)
			switch kind {
			case PipelineEmbedding:
				_, recs := b.run(t, b.task(t, map[string]any{"model": dir, "pipeline": "embedding", "labels": []string{"sport", "news"}}, texts...))
				require.Len(t, recs, len(texts))
				for _, r := range recs {
					require.NotEmpty(t, r["embedding"])
					require.Contains(t, []any{"sport", "news"}, r["label"])
				}
			case PipelineZeroShot:
				_, recs := b.run(t, b.task(t, map[string]any{"model": dir, "pipeline": "zero_shot", "labels": []string{"sport", "weather", "travel"}}, texts...))
				for _, r := range recs {
					if r["low_confidence"] == true { // a random-weight head may score every label alike
						require.Nil(t, r["label"])
					} else {
						require.Contains(t, []any{"sport", "weather", "travel"}, r["label"])
					}
					require.Len(t, r["labels"], 3)
				}
			default:
				_, recs := b.run(t, b.task(t, map[string]any{"model": dir, "batch_size": 2, "max_length": 16}, texts...))
				for _, r := range recs {
					require.Contains(t, labels, r["label"])
					require.GreaterOrEqual(t, r["score"].(float64), 1/float64(len(labels))-1e-6, "softmax argmax")
				}
				if e.Name() == "gen-lexicon-sentiment" {
					require.Equal(t, "POSITIVE", recs[0]["label"])
				}
			}
		})
	}
	require.Positive(t, ran, "no model folders in %s", root)
}
