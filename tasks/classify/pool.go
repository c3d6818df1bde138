package classify

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"

	"github.com/knights-analytics/hugot"
	"github.com/knights-analytics/hugot/backends"
	"github.com/knights-analytics/hugot/options"
	"github.com/knights-analytics/hugot/pipelines"
	"github.com/sugarme/tokenizer"
)

// loaded is one model loaded for one pipeline kind. Runs on it are
// serialised by mu: hugot's GoMLX executor is safe for concurrent use, but
// the tokenizer's truncation and the zero-shot labels are set per call.
type loaded struct {
	mu      sync.Mutex
	key     string
	kind    string
	dir     string
	session *hugot.Session
	text    *pipelines.TextClassificationPipeline
	zero    *pipelines.ZeroShotClassificationPipeline
	feat    *pipelines.FeatureExtractionPipeline
	hmodel  *backends.Model
	tk      *tokenizer.Tokenizer
	// maxPos is the model's max_position_embeddings (512 when unknown).
	maxPos  int
	version string // sha256 of model.onnx
	// normalizerFixed reports whether the tokenizer's normaliser was replaced.
	normalizerFixed bool
	refs            int // tasks using it; guarded by pool.mu
}

// pool holds the loaded models of a process, at most max of them; the least
// recently used idle one is destroyed when a new one is needed.
type pool struct {
	mu      sync.Mutex
	max     int
	entries map[string]*loaded
	order   []string // least recently used first
}

func newPool(maxLoaded int) *pool {
	return &pool{max: maxLoaded, entries: map[string]*loaded{}}
}

// acquire returns the loaded model for (dir, kind), loading it on first use,
// and a release function the caller must call when done.
func (p *pool) acquire(dir, kind string) (*loaded, func(), error) {
	key := kind + "\x00" + dir
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.entries[key]
	if !ok {
		var err error
		if l, err = loadModel(dir, kind); err != nil {
			return nil, nil, err
		}
		l.key = key
		p.entries[key] = l
	}
	l.refs++
	p.touch(key)
	p.evict()
	var once sync.Once
	return l, func() {
		once.Do(func() {
			p.mu.Lock()
			l.refs--
			p.evict()
			p.mu.Unlock()
		})
	}, nil
}

func (p *pool) touch(key string) {
	for i, k := range p.order {
		if k == key {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
	p.order = append(p.order, key)
}

// evict destroys idle models beyond the limit, least recently used first.
func (p *pool) evict() {
	for i := 0; len(p.entries) > p.max && i < len(p.order); {
		l := p.entries[p.order[i]]
		if l.refs > 0 {
			i++
			continue
		}
		_ = l.session.Destroy() // the session is gone either way
		delete(p.entries, l.key)
		p.order = append(p.order[:i], p.order[i+1:]...)
	}
}

// loadedCount is the number of models in memory.
func (p *pool) loadedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// close destroys every loaded model.
func (p *pool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for k, l := range p.entries {
		errs = append(errs, l.session.Destroy())
		delete(p.entries, k)
	}
	p.order = nil
	return errors.Join(errs...)
}

// Shape buckets: inputs are padded to the next bucket so the backend compiles
// a bounded number of graphs (hugot's pure-Go default is one per shape,
// unbounded in a long-running worker).
var (
	batchBuckets    = []int{1, 8, MaxBatchSize}
	sequenceBuckets = []int{32, 64, 128, 256, 512, 1024, 2048, 4096, maxMaxLength}
)

func seqBuckets(maxPos int) []int {
	var out []int
	for _, b := range sequenceBuckets {
		if b < maxPos {
			out = append(out, b)
		}
	}
	return append(out, maxPos)
}

// modelConfig is what we read from config.json.
type modelConfig struct {
	MaxPositions int               `json:"max_position_embeddings"`
	ID2Label     map[string]string `json:"id2label"`
	Arch         []string          `json:"architectures"`
}

func readConfig(dir string) (modelConfig, error) {
	var c modelConfig
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("config.json: %w", err)
	}
	return c, nil
}

// labels returns id2label in id order.
func (c modelConfig) labels() []string {
	ids := make([]int, 0, len(c.ID2Label))
	for k := range c.ID2Label {
		if id, err := strconv.Atoi(k); err == nil {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, c.ID2Label[strconv.Itoa(id)])
	}
	return out
}

func loadModel(dir, kind string) (*loaded, error) {
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadModel, dir, err)
	}
	maxPos := cfg.MaxPositions
	if maxPos <= 0 {
		maxPos = 512
	}
	version, err := fileSHA256(onnxFile(dir))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	s, err := hugot.NewGoSession(options.WithGoMLXBatchBuckets(batchBuckets), options.WithGoMLXSequenceBuckets(seqBuckets(maxPos)))
	if err != nil {
		return nil, fmt.Errorf("hugot session: %w", err)
	}
	onnxName := filepath.Base(onnxFile(dir))
	l := &loaded{kind: kind, dir: dir, session: s, maxPos: maxPos, version: version}
	switch kind {
	case PipelineTextClassification:
		l.text, err = hugot.NewPipeline(s, hugot.TextClassificationConfig{ModelPath: dir, OnnxFilename: onnxName, Name: kind,
			// Softmax over every label: single-label probabilities, all of them kept for top_k.
			Options: []hugot.TextClassificationOption{pipelines.WithSoftmax(), pipelines.WithMultiLabel()}})
		if err == nil {
			l.hmodel = l.text.Model
		}
	case PipelineZeroShot:
		l.zero, err = hugot.NewPipeline(s, hugot.ZeroShotClassificationConfig{ModelPath: dir, OnnxFilename: onnxName, Name: kind,
			Options: []hugot.ZeroShotClassificationOption{pipelines.WithLabels([]string{"placeholder"})}})
		if err == nil {
			l.hmodel = l.zero.Model
			if l.zero.EntailmentID < 0 {
				err = fmt.Errorf("no entailment label in id2label %v", cfg.labels())
			}
		}
	case PipelineEmbedding:
		l.feat, err = hugot.NewPipeline(s, hugot.FeatureExtractionConfig{ModelPath: dir, OnnxFilename: onnxName, Name: kind})
		if err == nil {
			l.hmodel = l.feat.Model
		}
	default:
		err = fmt.Errorf("unknown pipeline %q", kind)
	}
	if err == nil && (l.hmodel.Tokenizer == nil || l.hmodel.Tokenizer.GoTokenizer == nil) {
		err = errors.New("no tokenizer.json")
	}
	if err != nil {
		_ = s.Destroy() // already failing
		return nil, fmt.Errorf("%w: %s as %s: %v", ErrBadModel, dir, kind, err)
	}
	l.tk = l.hmodel.Tokenizer.GoTokenizer.Tokenizer
	tkJSON, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err == nil {
		l.normalizerFixed, err = fixNormalizer(l.tk, tkJSON)
	}
	if err != nil {
		_ = s.Destroy()
		return nil, fmt.Errorf("%w: %s: tokenizer: %v", ErrBadModel, dir, err)
	}
	return l, nil
}
