package classify

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
)

// LabelScore is one label with its score.
type LabelScore struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// prediction is the result for one text.
type prediction struct {
	Top       []LabelScore // any order; sorted when written
	Embedding []float32
}

// Modes of a classifier: what the graph computes for the pipeline asked.
const (
	modeLogits   = iota // text_classification: softmax or sigmoid over id2label
	modeNLI             // zero_shot with an NLI head: premise/hypothesis pairs
	modeEmbed           // embedding, optionally with the nearest label
	modeEmbedZSC        // zero_shot on an embedding model: cosine to each hypothesis
)

// classifier runs one task's records through a loaded model.
type classifier struct {
	l          *loaded
	eng        engine
	args       Args
	model      string
	mode       int
	out, rank  int // graph output read and its rank
	maxTokens  int
	labels     []string // modeLogits: id2label
	entail     int      // modeNLI
	contra     int
	normalize  bool
	labelVecs  [][]float32 // modeEmbed, modeEmbedZSC: one per label
	hypotheses []string    // modeNLI: one per label
	// inference is the time spent in the model's forward passes
	// (Result.InferenceSeconds), label embeddings included.
	inference time.Duration
}

// newClassifier decides how the model serves the pipeline and embeds the
// label texts the embedding modes compare against.
func newClassifier(l *loaded, eng engine, a Args, model string) (*classifier, error) {
	c := &classifier{l: l, eng: eng, args: a, model: model, maxTokens: min(a.MaxLength, l.maxPos)}
	var err error
	switch a.Pipeline {
	case PipelineTextClassification:
		c.mode = modeLogits
		if c.out, c.rank, err = l.output(false); err != nil {
			return nil, err
		}
		c.labels = l.cfg.labels()
	case PipelineZeroShot:
		c.entail, c.contra = l.cfg.entailment()
		if c.entail >= 0 {
			c.mode = modeNLI
			if c.out, c.rank, err = l.output(false); err != nil {
				return nil, err
			}
			for _, label := range a.Labels {
				c.hypotheses = append(c.hypotheses, strings.Replace(a.HypothesisTemplate, "{}", label, 1))
			}
			break
		}
		c.mode = modeEmbedZSC
		if c.out, c.rank, err = l.output(true); err != nil {
			return nil, fmt.Errorf("no entailment label in id2label %v and no embedding output: %w", l.cfg.labels(), err)
		}
	default:
		c.mode = modeEmbed
		if c.out, c.rank, err = l.output(true); err != nil {
			return nil, err
		}
	}
	c.normalize = l.pool.normalize
	if a.Normalize != nil {
		c.normalize = *a.Normalize
	}
	var texts []string
	switch c.mode {
	case modeEmbed:
		for _, label := range a.Labels {
			if d := a.LabelDescriptions[label]; d != "" {
				label = d
			}
			texts = append(texts, label)
		}
	case modeEmbedZSC:
		for _, label := range a.Labels {
			texts = append(texts, strings.Replace(a.HypothesisTemplate, "{}", label, 1))
		}
	}
	if len(texts) > 0 {
		encs := make([]hftok.Encoding, len(texts))
		for i, t := range texts {
			if encs[i], err = c.encode(t, nil); err != nil {
				return nil, fmt.Errorf("tokenize label text %q: %w", t, err)
			}
		}
		vecs, errs := c.run(encs)
		for i, e := range errs {
			if e != nil {
				return nil, fmt.Errorf("embed label text %q: %w", texts[i], e)
			}
		}
		c.labelVecs = vecs
	}
	return c, nil
}

// errNoTokens is a record error: the text yields no tokens at all.
var errNoTokens = errors.New("tokenizer: the text yields no tokens (characters the vocabulary cannot represent, and no unknown token)")

// encode tokenizes a text (and a second text of a pair) for the model.
// A panic in a tokenizer becomes an error.
func (c *classifier) encode(a string, b *string) (enc hftok.Encoding, err error) {
	defer func() {
		if r := recover(); r != nil {
			enc, err = hftok.Encoding{}, fmt.Errorf("tokenizer panicked: %v", r)
		}
	}()
	ids, err := c.l.tok.tokenize(precut(a, c.maxTokens))
	if err != nil {
		return enc, err
	}
	if len(ids) == 0 && strings.TrimSpace(a) != "" {
		// Both tokenizers agree on this; the Rust one also answers an
		// error (an unknown character without an unk token) with no ids.
		return enc, errNoTokens
	}
	var idsB []uint32 // nil: a single text
	if b != nil {
		if idsB, err = c.l.tok.tokenize(*b); err != nil {
			return enc, err
		}
		if idsB == nil {
			idsB = []uint32{} // a pair whose second text has no tokens is still a pair
		}
	}
	return c.l.proc.Process(ids, idsB, c.maxTokens), nil
}

// precut bounds the text handed to the tokenizer: a token covers on
// average far fewer than 32 bytes, so maxTokens*32 bytes, cut at a space,
// keep every token truncation would keep while sparing the tokenizer
// megabytes of page text. Invalid UTF-8 becomes U+FFFD first.
func precut(text string, maxTokens int) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	limit := maxTokens * 32
	if len(text) <= limit {
		return text
	}
	cut := limit
	for cut > limit/2 {
		r, size := utf8.DecodeLastRuneInString(text[:cut])
		if unicode.IsSpace(r) {
			return text[:cut]
		}
		cut -= size
	}
	for limit > 0 && !utf8.RuneStart(text[limit]) {
		limit--
	}
	return text[:limit]
}

// run computes one output vector per encoding (logits, or the pooled and
// normalised embedding), length-sorted into batches of at most batch_size.
// A batch that fails is retried one input at a time, so an error stays
// with the input that caused it.
func (c *classifier) run(encs []hftok.Encoding) ([][]float32, []error) {
	vecs := make([][]float32, len(encs))
	errs := make([]error, len(encs))
	order := make([]int, len(encs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return len(encs[order[i]].IDs) < len(encs[order[j]].IDs) })
	for start := 0; start < len(order); {
		n := c.batchLen(len(order) - start)
		idx := order[start : start+n]
		start += n
		if err := c.runBatch(encs, idx, vecs); err != nil {
			if len(idx) == 1 {
				errs[idx[0]] = err
				continue
			}
			for _, i := range idx {
				errs[i] = c.runBatch(encs, []int{i}, vecs)
			}
		}
	}
	return vecs, errs
}

// batchLen is the size of the next batch when left inputs remain: at most
// batch_size, and on the Go backend a size it has a compiled shape for.
func (c *classifier) batchLen(left int) int {
	n := min(left, c.args.BatchSize)
	if c.eng.name() != BackendGo {
		return n
	}
	best := 1
	for _, b := range batchBuckets {
		if b <= n {
			best = b
		}
	}
	return best
}

// runBatch runs the inputs idx of encs and stores their vectors.
func (c *classifier) runBatch(encs []hftok.Encoding, idx []int, vecs [][]float32) error {
	batch := make([]hftok.Encoding, len(idx))
	for j, i := range idx {
		batch[j] = encs[i]
	}
	start := time.Now()
	raw, err := c.l.forward(batch, c.out)
	c.inference += time.Since(start)
	if err != nil {
		return err
	}
	switch v := raw.(type) {
	case [][]float32:
		if len(v) < len(idx) {
			return fmt.Errorf("%w: %d rows for %d inputs", errNoOutput, len(v), len(idx))
		}
		for j, i := range idx {
			vecs[i] = v[j]
			if c.mode == modeEmbed || c.mode == modeEmbedZSC {
				if c.normalize {
					vecs[i] = l2(append([]float32(nil), v[j]...))
				}
			}
		}
	case [][][]float32:
		if len(v) < len(idx) {
			return fmt.Errorf("%w: %d rows for %d inputs", errNoOutput, len(v), len(idx))
		}
		for j, i := range idx {
			vecs[i] = c.l.pool.apply(v[j])
			if c.normalize {
				vecs[i] = l2(vecs[i])
			}
		}
	default:
		return fmt.Errorf("%w: output of type %T", errNoOutput, raw)
	}
	return nil
}
