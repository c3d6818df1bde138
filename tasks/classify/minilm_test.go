package classify

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok/hftoktest"
)

// The real-model tests run on sentence-transformers all-MiniLM-L6-v2,
// laid out by scripts/minilm.sh; CI sets DAGWORKER_TEST_MINILM (a missing
// folder is then an error) and DAGWORKER_PYREF_PYTHON, the Python of
// scripts/pyenv.sh that computes the reference outputs.

// minilmDir is DAGWORKER_TEST_MINILM; the test is skipped when it is unset
// (a fresh clone without the model), unless DAGWORKER_TEST_REQUIRE_MINILM=1.
func minilmDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DAGWORKER_TEST_MINILM")
	if dir == "" {
		require.NotEqual(t, "1", os.Getenv("DAGWORKER_TEST_REQUIRE_MINILM"), "DAGWORKER_TEST_MINILM is unset")
		t.Skip("DAGWORKER_TEST_MINILM unset: run scripts/minilm.sh and set it to the folder it prints")
	}
	require.True(t, isModelDir(dir), "DAGWORKER_TEST_MINILM=%s is not a model folder", dir)
	return dir
}

// pyrefPython is DAGWORKER_PYREF_PYTHON, required by the real-model tests.
func pyrefPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("DAGWORKER_PYREF_PYTHON")
	require.NotEmpty(t, py, "DAGWORKER_PYREF_PYTHON must name the Python of scripts/pyenv.sh")
	return py
}

// corpusTexts are the multilingual differential corpus of the tokenizer.
func corpusTexts(t *testing.T) (ids, texts []string) {
	t.Helper()
	entries, err := hftoktest.ReadCorpus(filepath.Join("internal", "hftok", "testdata", "corpus.jsonl"))
	require.NoError(t, err)
	for _, e := range entries {
		if strings.TrimSpace(e.Text) != "" {
			ids, texts = append(ids, e.ID), append(texts, e.Text)
		}
	}
	require.GreaterOrEqual(t, len(texts), 15)
	return ids, texts
}

// pythonEmbeddings runs scripts/pyref/embed_ref.py on texts.
func pythonEmbeddings(t *testing.T, model string, maxLength int, texts []string) [][]float64 {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	var b strings.Builder
	for i, text := range texts {
		line, err := json.Marshal(map[string]any{"id": i, "text": text})
		require.NoError(t, err)
		b.Write(line)
		b.WriteByte('\n')
	}
	require.NoError(t, os.WriteFile(in, []byte(b.String()), 0o644))
	outPath := filepath.Join(dir, "out.jsonl")
	cmd := exec.Command(pyrefPython(t), filepath.Join("..", "..", "scripts", "pyref", "embed_ref.py"),
		"--model", model, "--input", in, "--output", outPath, "--max-length", strconv.Itoa(maxLength), "--batch-size", "8")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(outPath)
	require.NoError(t, err)
	var vecs [][]float64
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec struct {
			Embedding []float64 `json:"embedding"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		vecs = append(vecs, rec.Embedding)
	}
	require.Len(t, vecs, len(texts))
	return vecs
}

// TestMiniLMMatchesPython: on every backend, the embedding pipeline gives
// sentence-transformers' vectors (Python tokenizers + onnxruntime + mean
// pooling + L2) within 1e-4 on the multilingual corpus, long texts
// truncated alike.
func TestMiniLMMatchesPython(t *testing.T) {
	t.Parallel()
	model := minilmDir(t)
	ids, texts := corpusTexts(t)
	const maxLength = 128
	want := pythonEmbeddings(t, model, maxLength, texts)
	for _, backend := range testBackends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupBackend(t, backend)
			res, recs := b.run(t, b.task(t, map[string]any{"model": model, "pipeline": "embedding", "max_length": maxLength, "batch_size": 8}, texts...))
			require.Zero(t, res.Failed, res.FirstError)
			require.Equal(t, backend, res.Backend)
			worst, worstID := 0.0, ""
			for i, r := range recs {
				got := r["embedding"].([]any)
				require.Len(t, got, len(want[i]), ids[i])
				require.InDelta(t, 1, norm(t, r["embedding"]), 1e-5, "unit vectors, as sentence-transformers with Normalize")
				for j, x := range got {
					if d := math.Abs(x.(float64) - want[i][j]); d > worst {
						worst, worstID = d, ids[i]
					}
				}
			}
			t.Logf("%s: largest difference to Python %.2g (%s) over %d texts", backend, worst, worstID, len(texts))
			require.Less(t, worst, 1e-4, "text %s", worstID)
		})
	}
}
