package onnxgen

import (
	"hash/fnv"
)

// Files is one model directory: file name → content.
type Files map[string][]byte

// MaxPositions is max_position_embeddings of every generated model (they
// have no position embeddings, so any length up to this works).
const MaxPositions = 512

// Model names, as used for directory names.
const (
	SentimentName = "demo-sentiment"
	NLIName       = "tiny-nli"
	EmbeddingName = "tiny-embedding"
)

// All returns every generated model by name.
func All() map[string]Files {
	v := BuildVocab()
	return map[string]Files{
		SentimentName: Sentiment(BuildSentimentVocab()),
		NLIName:       NLI(v),
		EmbeddingName: Embedding(v),
	}
}

var (
	idsInput  = valueInfo{name: "input_ids", elemType: typeInt64, dims: []int64{-1, -1}, symbols: []string{"batch", "sequence"}}
	maskInput = valueInfo{name: "attention_mask", elemType: typeInt64, dims: []int64{-1, -1}, symbols: []string{"batch", "sequence"}}
)

func ints(name string, v ...int64) tensor {
	return tensor{name: name, dims: []int64{int64(len(v))}, ints: v}
}

func floats(name string, dims []int64, v ...float32) tensor {
	return tensor{name: name, dims: dims, floats: v}
}

// maskNodes turn attention_mask into float rows [B,1,S] ("mrow") and
// columns [B,S,1] ("mcol").
func maskNodes() ([]node, []tensor) {
	return []node{
			{op: "Cast", inputs: []string{"attention_mask"}, outputs: []string{"maskf"}, attrs: []attr{{name: "to", i: typeFloat}}},
			{op: "Unsqueeze", inputs: []string{"maskf", "axis1"}, outputs: []string{"mrow"}},
			{op: "Unsqueeze", inputs: []string{"maskf", "axis2"}, outputs: []string{"mcol"}},
		}, []tensor{
			ints("axis1", 1), ints("axis2", 2), ints("col_shape", -1, 1),
		}
}

// sentimentGain is k of the Sentiment model: logits = ±k · mean score.
const sentimentGain = 4

// sentimentEps keeps the mean's denominator positive for texts without
// opinion words.
const sentimentEps = 0.5

// Sentiment is the demo sentiment classifier (NEGATIVE/POSITIVE) over its
// own multilingual vocabulary: each token has a score (+1 positive, -1
// negative, 0 otherwise, see SentimentVocab) and a weight (1 for opinion
// tokens); the logit difference is 2k · Σscore / (Σweight + 0.5) over the
// unmasked tokens, so a text without opinion words scores exactly 0.5 and
// one opinion word already gives 0.995.
func Sentiment(sv *SentimentVocab) Files {
	v := sv.Vocab
	n := len(v.Tokens)
	score := make([]float32, n)
	weight := make([]float32, n)
	for id, p := range sv.Polarity {
		if p != 0 {
			score[id], weight[id] = p, 1
		}
	}
	const k = sentimentGain
	mnodes, minits := maskNodes()
	g := graph{
		name: "lexicon_sentiment",
		nodes: append(mnodes, []node{
			{op: "Gather", inputs: []string{"score", "input_ids"}, outputs: []string{"tok_score"}},
			{op: "Gather", inputs: []string{"weight", "input_ids"}, outputs: []string{"tok_weight"}},
			{op: "MatMul", inputs: []string{"mrow", "tok_score"}, outputs: []string{"score_sum"}},
			{op: "MatMul", inputs: []string{"mrow", "tok_weight"}, outputs: []string{"weight_sum"}},
			{op: "Add", inputs: []string{"weight_sum", "eps"}, outputs: []string{"denominator"}},
			{op: "Div", inputs: []string{"score_sum", "denominator"}, outputs: []string{"mean"}},
			{op: "Reshape", inputs: []string{"mean", "col_shape"}, outputs: []string{"mean_col"}},
			{op: "MatMul", inputs: []string{"mean_col", "head"}, outputs: []string{"linear"}},
			{op: "Add", inputs: []string{"linear", "bias"}, outputs: []string{"logits"}},
		}...),
		inits: append(minits,
			floats("score", []int64{int64(n), 1}, score...),
			floats("weight", []int64{int64(n), 1}, weight...),
			floats("eps", []int64{1}, sentimentEps),
			floats("head", []int64{1, 2}, -k, k),
			floats("bias", []int64{2}, 0, 0),
		),
		inputs:  []valueInfo{idsInput, maskInput},
		outputs: []valueInfo{{name: "logits", elemType: typeFloat, dims: []int64{-1, 2}, symbols: []string{"batch", ""}}},
	}
	return modelFiles(v, g, configJSON("multilingual-lexicon-sentiment", "BertForSequenceClassification", []string{"NEGATIVE", "POSITIVE"}, 1, n, MaxPositions))
}

// topicTable is a [V, K] one-hot topic embedding.
func topicTable(v *Vocab) []float32 {
	k := len(topicNames)
	t := make([]float32, len(v.Tokens)*k)
	for topic, words := range topicWords {
		for _, w := range words {
			t[v.ID(Normalize(w))*k+topic] = 1
		}
	}
	return t
}

// NLI is a tiny natural-language-inference model (contradiction, neutral,
// entailment) for the zero-shot pipeline. hugot feeds it
// "premise [SEP] hypothesis"; the entailment logit grows with the squared
// norm of the sequence's topic bag divided by its length, which is largest
// when the hypothesis names the premise's dominant topic.
func NLI(v *Vocab) Files {
	n, k := len(v.Tokens), len(topicNames)
	ones := make([]float32, k)
	for i := range ones {
		ones[i] = 1
	}
	const bound, gain = 30, 8
	mnodes, minits := maskNodes()
	g := graph{
		name: "topic_nli",
		nodes: append(mnodes, []node{
			{op: "Gather", inputs: []string{"topics", "input_ids"}, outputs: []string{"tok_topics"}},
			{op: "MatMul", inputs: []string{"mrow", "tok_topics"}, outputs: []string{"bag"}},
			{op: "MatMul", inputs: []string{"mrow", "mcol"}, outputs: []string{"length"}},
			{op: "Mul", inputs: []string{"bag", "bag"}, outputs: []string{"bag_sq"}},
			{op: "MatMul", inputs: []string{"bag_sq", "ones"}, outputs: []string{"norm_sq"}},
			{op: "Div", inputs: []string{"norm_sq", "length"}, outputs: []string{"energy"}},
			{op: "Mul", inputs: []string{"energy", "gain"}, outputs: []string{"scaled"}},
			{op: "Tanh", inputs: []string{"scaled"}, outputs: []string{"squashed"}},
			{op: "Reshape", inputs: []string{"squashed", "col_shape"}, outputs: []string{"squashed_col"}},
			{op: "MatMul", inputs: []string{"squashed_col", "head"}, outputs: []string{"linear"}},
			{op: "Add", inputs: []string{"linear", "bias"}, outputs: []string{"logits"}},
		}...),
		inits: append(minits,
			floats("topics", []int64{int64(n), int64(k)}, topicTable(v)...),
			floats("ones", []int64{int64(k), 1}, ones...),
			floats("gain", []int64{1}, float32(gain)/bound),
			floats("head", []int64{1, 3}, -bound, 0, bound),
			floats("bias", []int64{3}, 0, 0, 0),
		),
		inputs:  []valueInfo{idsInput, maskInput},
		outputs: []valueInfo{{name: "logits", elemType: typeFloat, dims: []int64{-1, 3}, symbols: []string{"batch", ""}}},
	}
	return modelFiles(v, g, configJSON("topic-nli", "BertForSequenceClassification", []string{"contradiction", "neutral", "entailment"}, k, n, MaxPositions))
}

// EmbeddingDim is the size of the vectors of the Embedding model.
const EmbeddingDim = 8

// Embedding is a tiny feature-extraction model: last_hidden_state
// [batch, sequence, 8] = tanh(1.5 · E[token]) · mask, where E holds a topic
// one-hot (dims 0–3), positive/negative sentiment (4, 5), a constant (6)
// and a per-token hash (7), so mean-pooled vectors of texts on one topic
// point the same way.
func Embedding(v *Vocab) Files {
	n, k := len(v.Tokens), len(topicNames)
	emb := make([]float32, n*EmbeddingDim)
	topics := topicTable(v)
	for id, tok := range v.Tokens {
		row := emb[id*EmbeddingDim : (id+1)*EmbeddingDim]
		copy(row, topics[id*k:(id+1)*k])
		row[6] = 0.1
		h := fnv.New32a()
		_, _ = h.Write([]byte(tok)) // hash writes never fail
		row[7] = float32(h.Sum32()%201)/1000 - 0.1
	}
	for _, w := range positiveWords {
		emb[v.ID(Normalize(w))*EmbeddingDim+4] = 1
	}
	for _, w := range negativeWords {
		emb[v.ID(Normalize(w))*EmbeddingDim+5] = 1
	}
	w := make([]float32, EmbeddingDim*EmbeddingDim)
	for i := range EmbeddingDim {
		w[i*EmbeddingDim+i] = 1.5
	}
	mnodes, minits := maskNodes()
	g := graph{
		name: "tiny_embedding",
		nodes: append(mnodes, []node{
			{op: "Gather", inputs: []string{"embeddings", "input_ids"}, outputs: []string{"tok_emb"}},
			{op: "MatMul", inputs: []string{"tok_emb", "dense"}, outputs: []string{"projected"}},
			{op: "Add", inputs: []string{"projected", "dense_bias"}, outputs: []string{"biased"}},
			{op: "Tanh", inputs: []string{"biased"}, outputs: []string{"activated"}},
			{op: "Mul", inputs: []string{"activated", "mcol"}, outputs: []string{"last_hidden_state"}},
		}...),
		inits: append(minits,
			floats("embeddings", []int64{int64(n), EmbeddingDim}, emb...),
			floats("dense", []int64{EmbeddingDim, EmbeddingDim}, w...),
			floats("dense_bias", []int64{EmbeddingDim}, make([]float32, EmbeddingDim)...),
		),
		inputs: []valueInfo{idsInput, maskInput},
		outputs: []valueInfo{{name: "last_hidden_state", elemType: typeFloat, dims: []int64{-1, -1, EmbeddingDim},
			symbols: []string{"batch", "sequence", ""}}},
	}
	return modelFiles(v, g, configJSON("tiny-embedding", "BertModel", nil, EmbeddingDim, n, MaxPositions))
}

func modelFiles(v *Vocab, g graph, config []byte) Files {
	return Files{
		"model.onnx":              g.encodeModel("dagworker-onnxgen"),
		"tokenizer.json":          TokenizerJSON(v),
		"config.json":             config,
		"special_tokens_map.json": specialTokensMap(),
	}
}

// Layout maps each generated model to its directory, relative to the
// tasks/classify package: the demo model is embedded in the binary, the
// others are test data.
func Layout() map[string]string {
	return map[string]string{
		SentimentName: "models/" + SentimentName,
		NLIName:       "testdata/models/" + NLIName,
		EmbeddingName: "testdata/models/" + EmbeddingName,
	}
}
