package classify

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagworker/dagworker/tasks"
)

// modelCopy copies a model folder into a temporary one and applies edit to
// its files (name → new content; nil removes the file).
func modelCopy(t *testing.T, src string, edit map[string][]byte) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	copyDir(t, src, dst)
	for name, data := range edit {
		p := filepath.Join(dst, filepath.FromSlash(name))
		if data == nil {
			require.NoError(t, os.Remove(p))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o644))
	}
	return dst
}

func demoDir() string { return filepath.Join("models", DemoModel) }

// TestHardUnicodeClassifies runs texts that crashed or mis-tokenized the
// previous tokenizer: Turkish dotted capital I, non-breaking spaces and
// decomposed accents. Every record gets a label, and the variants of one
// text give the same token ids.
func TestHardUnicodeClassifies(t *testing.T) {
	t.Parallel()
	for _, backend := range testBackends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupBackend(t, backend)
			texts := []string{
				"İstanbul'da hava çok güzel, ışık harika.",
				"Très\u00a0bien, le service était excellent\u202f!",
				"Le cafe\u0301 e\u0301tait de\u0301licieux.",
				"ИСПРАВЛЕНО: Ёлка İİİ ﬁnal ǅ",
			}
			res, recs := b.run(t, b.task(t, map[string]any{"model": DemoModel}, texts...))
			require.Zero(t, res.Failed, res.FirstError)
			require.Len(t, recs, len(texts))
			for _, r := range recs {
				require.NotContains(t, r, "error")
			}
			l, release, err := b.h.pool.acquire(demoDir())
			require.NoError(t, err)
			defer release()
			c, err := newClassifier(l, b.h.eng, Args{Pipeline: PipelineTextClassification, MaxLength: 64, BatchSize: 8, TopK: 2}, DemoModel)
			require.NoError(t, err)
			same := [][2]string{
				{"très bien", "très\u00a0bien"},
				{"très bien", "tre\u0300s bien"},
				{"déjà vu", "de\u0301ja\u0300 vu"},
			}
			for _, pair := range same {
				a, err := c.encode(pair[0], nil)
				require.NoError(t, err)
				z, err := c.encode(pair[1], nil)
				require.NoError(t, err)
				require.Equal(t, a.IDs, z.IDs, "%q and %q", pair[0], pair[1])
			}
		})
	}
}

// unigramWithoutUnk is a Unigram tokenizer.json for the demo model with
// no unknown token: the special tokens keep their ids and the letters a–z
// take the next ones (the model's scores for them do not matter here). A
// character without a piece is then an encoding error, as in Hugging
// Face's library.
func unigramWithoutUnk(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(demoDir(), "tokenizer.json"))
	require.NoError(t, err)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &doc))
	var model struct {
		Vocab map[string]int `json:"vocab"`
	}
	require.NoError(t, json.Unmarshal(doc["model"], &model))
	var pieces [][2]any
	for _, special := range []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"} {
		require.Equal(t, len(pieces), model.Vocab[special], special)
		pieces = append(pieces, [2]any{special, -10.0})
	}
	for c := 'a'; c <= 'z'; c++ {
		pieces = append(pieces, [2]any{string(c), -3.0})
	}
	doc["model"], err = json.Marshal(map[string]any{"type": "Unigram", "unk_id": nil, "vocab": pieces, "byte_fallback": false})
	require.NoError(t, err)
	doc["normalizer"] = json.RawMessage(`{"type":"Lowercase"}`)
	doc["pre_tokenizer"] = json.RawMessage(`{"type":"WhitespaceSplit"}`)
	doc["decoder"] = json.RawMessage("null")
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	return out
}

// TestRecordErrorIsIsolated: a record the tokenizer cannot encode is
// written with an error, the others are classified, and the task fails
// only past max_failed_fraction or when every record fails.
func TestRecordErrorIsIsolated(t *testing.T) {
	t.Parallel()
	tk := unigramWithoutUnk(t)
	words := []string{"good news", "bad day", "quiet", "plain words", "more text", "the end"}
	dir := modelCopy(t, demoDir(), map[string][]byte{"tokenizer.json": tk})
	for _, backend := range testBackends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupBackend(t, backend)
			texts := append([]string{}, words...)
			texts = append(texts, "☃☃☃ snowman")
			texts = append(texts, words...)
			res, recs := b.run(t, b.task(t, map[string]any{"model": dir, "batch_size": 4, "max_failed_fraction": 0.2}, texts...))
			require.Equal(t, 1, res.Failed)
			require.NotEmpty(t, res.FirstError)
			require.Len(t, recs, len(texts), "nothing is lost")
			for i, r := range recs {
				if i == len(words) {
					require.Contains(t, r["error"], "token", "the error names the tokenizer")
					require.Nil(t, r["label"])
					continue
				}
				require.NotContains(t, r, "error", "record %d", i)
				require.Contains(t, []any{"POSITIVE", "NEGATIVE", nil}, r["label"])
			}
			// no tolerance: one failure fails the task
			_, err := b.h.Run(context.Background(), b.task(t, map[string]any{"model": dir, "max_failed_fraction": 0}, texts...))
			require.ErrorContains(t, err, "1 of 13 records failed")
			// every record failing fails the task whatever the tolerance
			_, err = b.h.Run(context.Background(), b.task(t, map[string]any{"model": dir, "max_failed_fraction": 1}, "☃", "☃☃"))
			require.ErrorContains(t, err, "2 of 2 records failed")
		})
	}
}

// TestTieIsLowConfidence: a text without a sentiment word scores exactly
// 0.5 on the lexicon model and gets no label.
func TestTieIsLowConfidence(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res, recs := b.run(t, b.task(t, map[string]any{"model": DemoModel}, "1234 5678", "wonderful, excellent, great"))
	require.Equal(t, 1, res.LowConfidence)
	require.Nil(t, recs[0]["label"])
	require.Equal(t, true, recs[0]["low_confidence"])
	require.InDelta(t, 0.5, recs[0]["score"], 1e-9)
	require.Equal(t, "POSITIVE", recs[1]["label"])
	require.NotContains(t, recs[1], "low_confidence")
	require.Equal(t, 1, res.Labels["POSITIVE"])
}

// TestMultiLabelUsesSigmoid: with problem_type multi_label_classification
// each label is an independent sigmoid of its logit; single-label is a
// softmax, so for two labels logit(p_pos) = logit(s_pos) - logit(s_neg).
func TestMultiLabelUsesSigmoid(t *testing.T) {
	t.Parallel()
	cfg, err := os.ReadFile(filepath.Join(demoDir(), "config.json"))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(cfg, &doc))
	doc["problem_type"] = "multi_label_classification"
	multi, err := json.Marshal(doc)
	require.NoError(t, err)
	dir := modelCopy(t, demoDir(), map[string][]byte{"config.json": multi})
	b := setup(t)
	text := "The parcel arrived quickly and the support team was wonderful."
	_, single := b.run(t, b.task(t, map[string]any{"model": DemoModel}, text))
	_, recs := b.run(t, b.task(t, map[string]any{"model": dir}, text))
	scores := map[string]float64{}
	for _, ls := range recs[0]["labels"].([]any) {
		m := ls.(map[string]any)
		scores[m["label"].(string)] = m["score"].(float64)
	}
	require.Len(t, scores, 2)
	// (a softmax would give twice logit(p_pos) here)
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	pPos := single[0]["score"].(float64)
	require.Equal(t, "POSITIVE", single[0]["label"])
	require.InDelta(t, logit(pPos), logit(scores["POSITIVE"])-logit(scores["NEGATIVE"]), 1e-4)
}

func norm(t *testing.T, v any) float64 {
	t.Helper()
	s := 0.0
	for _, x := range v.([]any) {
		s += x.(float64) * x.(float64)
	}
	return math.Sqrt(s)
}

// TestEmbeddingPooling follows the model's sentence-transformers files:
// unit vectors by default and with a Normalize module, raw vectors with
// normalize false or without the module, CLS pooling when configured.
func TestEmbeddingPooling(t *testing.T) {
	t.Parallel()
	pool := func(mode string) []byte {
		return []byte(`{"word_embedding_dimension": 8, "pooling_mode_cls_token": ` + boolJSON(mode == "cls") +
			`, "pooling_mode_mean_tokens": ` + boolJSON(mode == "mean") + `}`)
	}
	modules := func(normalize bool) []byte {
		m := `[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},` +
			`{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}`
		if normalize {
			m += `,{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}`
		}
		return []byte(m + "]")
	}
	meanRaw := modelCopy(t, embeddingModel, map[string][]byte{"modules.json": modules(false), "1_Pooling/config.json": pool("mean")})
	clsNorm := modelCopy(t, embeddingModel, map[string][]byte{"modules.json": modules(true), "1_Pooling/config.json": pool("cls")})
	b := setup(t)
	texts := []string{"Le match de football", "The market and the bank fell"}
	embed := func(args map[string]any) []map[string]any {
		args["pipeline"] = "embedding"
		_, recs := b.run(t, b.task(t, args, texts...))
		return recs
	}
	def := embed(map[string]any{"model": embeddingModel})
	raw := embed(map[string]any{"model": embeddingModel, "normalize": false})
	st := embed(map[string]any{"model": meanRaw})
	cls := embed(map[string]any{"model": clsNorm})
	for i := range texts {
		require.InDelta(t, 1, norm(t, def[i]["embedding"]), 1e-5, "default: mean + L2")
		require.InDelta(t, 1, norm(t, cls[i]["embedding"]), 1e-5, "Normalize module")
		n := norm(t, raw[i]["embedding"])
		require.Greater(t, math.Abs(n-1), 1e-3, "normalize false keeps the raw mean")
		require.InDelta(t, n, norm(t, st[i]["embedding"]), 1e-5, "mean pooling without a Normalize module is the raw mean")
		// the raw mean, normalised, is the default vector
		for j, x := range raw[i]["embedding"].([]any) {
			require.InDelta(t, x.(float64)/n, def[i]["embedding"].([]any)[j].(float64), 1e-5)
		}
		require.NotEqual(t, def[i]["embedding"], cls[i]["embedding"], "CLS pooling differs from mean")
	}
	_, err := b.h.Run(context.Background(), b.task(t, map[string]any{"model": DemoModel, "normalize": false}, "x"))
	require.ErrorIs(t, err, tasks.ErrInvalidArgs)
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestEncodePairWithEmptySecondText: a pair whose second text yields no
// tokens is still encoded as a pair (the pair template's separators), as
// Hugging Face's encode(a, "") does.
func TestEncodePairWithEmptySecondText(t *testing.T) {
	t.Parallel()
	for _, backend := range testBackends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			b := setupBackend(t, backend)
			l, release, err := b.h.pool.acquire(nliModel)
			require.NoError(t, err)
			defer release()
			c, err := newClassifier(l, b.h.eng, Args{Pipeline: PipelineZeroShot, Labels: []string{"x"}, HypothesisTemplate: DefaultHypothesisTemplate,
				MaxLength: 64, BatchSize: 8, TopK: 1}, "m")
			require.NoError(t, err)
			single, err := c.encode("the match", nil)
			require.NoError(t, err)
			empty := ""
			pair, err := c.encode("the match", &empty)
			require.NoError(t, err)
			require.Equal(t, len(single.IDs)+l.proc.Added(true)-l.proc.Added(false), len(pair.IDs), "single %v, pair %v", single.IDs, pair.IDs)
		})
	}
}
