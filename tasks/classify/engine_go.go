package classify

import (
	"github.com/knights-analytics/hugot/backends"
	"github.com/knights-analytics/hugot/options"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
)

// goEngine is hugot's pure-Go GoMLX backend. It compiles one program per
// input shape, so inputs are padded to a bounded set of shapes: batch sizes
// from batchBuckets (a batch is split into bucket-sized parts, never padded
// with empty rows) and sequence lengths rounded up to a multiple of
// seqStep, which wastes at most seqStep-1 positions per text.
type goEngine struct{}

// Shape buckets of the Go backend.
var batchBuckets = []int{1, 2, 4, 8, 16, MaxBatchSize}

const seqStep = 32

func newGoEngine() *goEngine { return &goEngine{} }

func (*goEngine) name() string    { return BackendGo }
func (*goEngine) runtime() string { return "GO" }
func (*goEngine) close() error    { return nil }

func (*goEngine) loadGraph(model *backends.Model, maxPos int) error {
	if err := backends.LoadOnnxModelBytes(model); err != nil {
		return err
	}
	return backends.CreateModelBackend(model, &options.Options{
		Backend:      "GO",
		GoMLXOptions: &options.GoMLXOptions{BatchBuckets: batchBuckets, SequenceBuckets: seqBuckets(maxPos)},
	})
}

// seqBuckets are the multiples of seqStep below maxPos, and maxPos.
func seqBuckets(maxPos int) []int {
	var out []int
	for b := seqStep; b < maxPos; b += seqStep {
		out = append(out, b)
	}
	return append(out, maxPos)
}

func (*goEngine) newTokenizer(tokenizerJSON []byte) (rawTokenizer, error) {
	tk, err := hftok.Load(tokenizerJSON)
	if err != nil {
		return nil, err
	}
	return goTokenizer{tk}, nil
}

type goTokenizer struct{ tk *hftok.Tokenizer }

func (g goTokenizer) tokenize(text string) ([]uint32, error) { return g.tk.Tokenize(text) }
func (goTokenizer) close() error                             { return nil }
