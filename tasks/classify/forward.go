package classify

import (
	"errors"
	"fmt"
	"math"

	"github.com/knights-analytics/hugot/backends"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
)

// errNoOutput is returned when the graph has no output of the kind a
// pipeline needs.
var errNoOutput = errors.New("no usable graph output")

// output picks the graph output a pipeline reads: the logits (2-D) for
// classification, the token embeddings (3-D) or a pooled embedding (2-D)
// for embeddings (never a logits output). It returns the output's index and rank.
func (l *loaded) output(embedding bool) (int, int, error) {
	best, rank := -1, 0
	for i, o := range l.model.OutputsMeta {
		r := len(o.Dimensions)
		switch {
		case !embedding && r == 2 && (o.Name == "logits" || best < 0):
			best, rank = i, r
		case embedding && r == 3 && (o.Name == "last_hidden_state" || o.Name == "token_embeddings" || rank != 3):
			best, rank = i, r
		case embedding && r == 2 && best < 0 && o.Name != "logits":
			best, rank = i, r
		}
	}
	if best < 0 {
		need := "[batch, labels] output"
		if embedding {
			need = "[batch, tokens, dim] or [batch, dim] output"
		}
		return 0, 0, fmt.Errorf("%w: need a %s, outputs are %v", errNoOutput, need, l.model.OutputsMeta)
	}
	return best, rank, nil
}

// forward runs one batch through the graph and returns the chosen output:
// [][]float32 for rank 2, [][][]float32 (the unpadded tokens of each
// input) for rank 3. A panic in the runtime becomes an error.
func (l *loaded) forward(encs []hftok.Encoding, out int) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("model run panicked: %v", r)
		}
	}()
	batch := backends.NewBatch(len(encs))
	batch.Input = make([]backends.TokenizedInput, len(encs))
	for i, e := range encs {
		batch.Input[i] = backends.TokenizedInput{TokenIDs: e.IDs, TypeIDs: e.TypeIDs, AttentionMask: e.AttentionMask}
		batch.MaxSequenceLength = max(batch.MaxSequenceLength, len(e.IDs))
	}
	if err := backends.CreateInputTensors(batch, l.model, l.pipe.Runtime); err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, batch.Destroy()) }()
	if err := backends.RunSessionOnBatch(batch, l.pipe); err != nil {
		return nil, err
	}
	if out >= len(batch.OutputValues) {
		return nil, fmt.Errorf("%w: output %d missing", errNoOutput, out)
	}
	return batch.OutputValues[out], nil
}

// pool turns the token embeddings of one input into its sentence
// embedding as sentence-transformers does.
func (p pooling) apply(tokens [][]float32) []float32 {
	if len(tokens) == 0 {
		return nil
	}
	dim := len(tokens[0])
	out := make([]float32, 0, dim*len(p.modes))
	for _, mode := range p.modes {
		v := make([]float64, dim)
		switch mode {
		case poolCLS:
			for j := range dim {
				v[j] = float64(tokens[0][j])
			}
		case poolMax:
			for j := range dim {
				v[j] = math.Inf(-1)
			}
			for _, t := range tokens {
				for j := range dim {
					v[j] = math.Max(v[j], float64(t[j]))
				}
			}
		default: // mean, mean_sqrt_len
			for _, t := range tokens {
				for j := range dim {
					v[j] += float64(t[j])
				}
			}
			div := float64(len(tokens))
			if mode == poolMeanSqrt {
				div = math.Sqrt(div)
			}
			for j := range dim {
				v[j] /= div
			}
		}
		for _, x := range v {
			out = append(out, float32(x))
		}
	}
	return out
}

// l2 normalises v in place as torch.nn.functional.normalize does (norm
// clamped at 1e-12).
func l2(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := max(math.Sqrt(s), 1e-12)
	for i := range v {
		v[i] = float32(float64(v[i]) / n)
	}
	return v
}

// softmax returns the softmax of logits, computed stably in float64.
func softmax(logits []float32) []float64 {
	m := math.Inf(-1)
	for _, x := range logits {
		m = math.Max(m, float64(x))
	}
	out := make([]float64, len(logits))
	var sum float64
	for i, x := range logits {
		out[i] = math.Exp(float64(x) - m)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

func sigmoid(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range min(len(a), len(b)) {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
