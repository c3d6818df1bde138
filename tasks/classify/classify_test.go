package classify

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

var (
	nliModel       = filepath.Join("testdata", "models", "tiny-nli")
	embeddingModel = filepath.Join("testdata", "models", "tiny-embedding")
)

func TestTextClassificationLexicon(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		lang, text, want string
	}{
		{"en", "The parcel arrived quickly and the support team was wonderful.", "POSITIVE"},
		{"en", "Terrible service, the device was broken and the refund was slow.", "NEGATIVE"},
		{"de", "Das Essen war hervorragend und der Service sehr gut.", "POSITIVE"},
		{"de", "Ich bin enttäuscht, alles war schlecht und kaputt.", "NEGATIVE"},
		{"fr", "Le film était génial, vraiment magnifique !", "POSITIVE"},
		{"fr", "Très déçu, le produit est arrivé cassé. C'est nul.", "NEGATIVE"},
		{"pl", "Świetny hotel, polecam wszystkim, jestem zadowolony.", "POSITIVE"},
		{"pl", "Okropny i beznadziejny produkt, jestem rozczarowany.", "NEGATIVE"},
		{"es", "La comida fue excelente y el personal fantástico.", "POSITIVE"},
		{"es", "Servicio pésimo, muy lento y decepcionado.", "NEGATIVE"},
		{"ru", "Отличный фильм, я очень доволен.", "POSITIVE"},
		{"ru", "Ужасный сервис, очень плохо и медленно.", "NEGATIVE"},
		{"ja", "このホテルはとても良いです。楽しかった。", "POSITIVE"},
		{"ja", "最悪の体験でした。嫌いです。", "NEGATIVE"},
	}
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.text
	}
	for _, batch := range []int{1, 5, 32} {
		res, recs := b.run(t, b.task(t, map[string]any{"model": DemoModel, "batch_size": batch, "top_k": 2}, texts...))
		require.Equal(t, len(cases), res.Output.Records)
		require.Len(t, recs, len(cases))
		require.Equal(t, DemoModel, res.Model)
		require.Len(t, res.ModelVersion, 64)
		for i, c := range cases {
			r := recs[i]
			require.Equal(t, c.want, r["label"], "%s: %q (batch %d)", c.lang, c.text, batch)
			require.Greater(t, r["score"].(float64), 0.8, c.text)
			require.Len(t, r["labels"], 2)
			require.Equal(t, c.text, r["text"], "page fields are kept")
			require.Equal(t, DemoModel, r["model"])
			require.Equal(t, res.ModelVersion, r["model_version"])
		}
		require.Equal(t, 7, res.Labels["POSITIVE"])
		require.Equal(t, 7, res.Labels["NEGATIVE"])
	}
}

func TestZeroShotTopics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	labels := []string{"politics", "sport", "economy", "technology"}
	cases := []struct{ text, want string }{
		{"The football team won the match with a late goal.", "sport"},
		{"Die Regierung verliert die Wahl, das Parlament streitet.", "politics"},
		{"Inflation pushes prices up while the bank and the market wait.", "economy"},
		{"Nowe oprogramowanie i komputer dla każdego: technologia.", "technology"},
		{"Сборная по футболу выиграла матч.", "sport"},
	}
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.text
	}
	res, recs := b.run(t, b.task(t, map[string]any{"model": nliModel, "pipeline": "zero_shot", "labels": labels, "top_k": 4}, texts...))
	require.Equal(t, len(cases), res.Output.Records)
	for i, c := range cases {
		require.Equal(t, c.want, recs[i]["label"], c.text)
		require.Len(t, recs[i]["labels"], 4)
		sum := 0.0
		for _, ls := range recs[i]["labels"].([]any) {
			sum += ls.(map[string]any)["score"].(float64)
		}
		require.InDelta(t, 1, sum, 1e-6, "single-label zero-shot scores sum to 1")
	}
}

func TestEmbeddingNearestLabel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	args := map[string]any{
		"model": embeddingModel, "pipeline": "embedding", "labels": []string{"sport", "money"},
		"label_descriptions": map[string]string{"money": "economy market bank"},
	}
	res, recs := b.run(t, b.task(t, args, "Le match de football", "The market and the bank"))
	require.Equal(t, 2, res.Output.Records)
	require.Equal(t, "sport", recs[0]["label"])
	require.Equal(t, "money", recs[1]["label"])
	require.Len(t, recs[0]["embedding"], 8)
	require.Greater(t, recs[0]["score"].(float64), 0.5)
}

// TestTextsArgument classifies strings given as arguments (an ad-hoc task
// without an upstream file), and refuses texts beside an input.
func TestTextsArgument(t *testing.T) {
	t.Parallel()
	b := setup(t)
	texts := []string{"The parcel arrived quickly and the support team was wonderful.", "Terrible service, the device was broken."}
	task := &tasks.Task{Type: "classify", Info: tasks.Info{DagID: "adhoc", RunID: "t1", TaskID: "classify", Try: 1}, Lake: b.lake}
	raw, err := json.Marshal(map[string]any{"model": DemoModel, "texts": texts})
	require.NoError(t, err)
	task.Args = raw
	res, recs := b.run(t, task)
	require.Equal(t, 2, res.Output.Records)
	require.Empty(t, res.Inputs)
	require.Equal(t, []any{texts[0], texts[1]}, []any{recs[0]["text"], recs[1]["text"]})
	require.Equal(t, "POSITIVE", recs[0]["label"])
	require.Equal(t, "NEGATIVE", recs[1]["label"])

	for _, args := range []map[string]any{
		{"model": DemoModel, "texts": texts, "input": "runs/d/r/scrape/pages.jsonl"},
		{"model": DemoModel, "texts": make([]string, maxTexts+1)},
	} {
		raw, err := json.Marshal(args)
		require.NoError(t, err)
		task.Args = raw
		_, err = b.h.Run(context.Background(), task)
		require.ErrorIs(t, err, tasks.ErrInvalidArgs)
		require.ErrorContains(t, err, "texts")
	}
}
