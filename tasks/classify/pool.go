package classify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/knights-analytics/hugot/backends"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
)

// loaded is one model in memory: its graph, tokenizer and configuration.
// It is safe for concurrent use: both runtimes run a session from several
// goroutines and both tokenizers encode concurrently.
type loaded struct {
	key     string
	dir     string
	model   *backends.Model
	pipe    *backends.BasePipeline
	tok     rawTokenizer
	proc    *hftok.Processor
	cfg     modelConfig
	pool    pooling
	maxPos  int    // longest input in tokens, special tokens included
	version string // sha256 of the .onnx file
	backend string // BackendGo or BackendORT
	refs    int    // tasks using it; guarded by pool.mu
}

// destroy frees the runtime session and the tokenizer.
func (l *loaded) destroy() error {
	var errs []error
	if l.model != nil {
		switch {
		case l.model.GoMLXModel != nil:
			l.model.GoMLXModel.Destroy()
		case l.model.ORTModel != nil:
			errs = append(errs, l.model.ORTModel.Destroy())
		}
	}
	if l.tok != nil {
		errs = append(errs, l.tok.close())
	}
	return errors.Join(errs...)
}

// pool holds the loaded models of a Handler, at most max of them; the least
// recently used idle one is destroyed when a new one is needed.
type pool struct {
	eng     engine
	mu      sync.Mutex
	max     int
	entries map[string]*loaded
	order   []string // least recently used first
}

func newPool(eng engine, maxLoaded int) *pool {
	return &pool{eng: eng, max: maxLoaded, entries: map[string]*loaded{}}
}

// acquire returns the loaded model of dir, loading it on first use, and a
// release function the caller must call when done.
func (p *pool) acquire(dir string) (*loaded, func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.entries[dir]
	if !ok {
		var err error
		if l, err = loadModel(p.eng, dir); err != nil {
			return nil, nil, err
		}
		l.key = dir
		p.entries[dir] = l
	}
	l.refs++
	p.touch(dir)
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
		_ = l.destroy() // the model is gone either way
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

// close destroys every loaded model and then the engine.
func (p *pool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for k, l := range p.entries {
		errs = append(errs, l.destroy())
		delete(p.entries, k)
	}
	p.order = nil
	return errors.Join(append(errs, p.eng.close())...)
}

// loadModel reads a Hugging Face model folder: config.json, the
// sentence-transformers pooling files, tokenizer.json and the .onnx graph.
func loadModel(eng engine, dir string) (l *loaded, err error) {
	defer func() {
		if r := recover(); r != nil { // a malformed graph must not take the worker down
			l, err = nil, fmt.Errorf("%w: %s: loading panicked: %v", ErrBadModel, dir, r)
		}
	}()
	bad := func(err error) error { return fmt.Errorf("%w: %s: %w", ErrBadModel, dir, err) }
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, bad(err)
	}
	maxPos, err := maxTokens(dir, cfg)
	if err != nil {
		return nil, bad(err)
	}
	pl, err := readPooling(dir)
	if err != nil {
		return nil, bad(err)
	}
	onnx := onnxFile(dir)
	version, err := fileSHA256(onnx)
	if err != nil {
		return nil, bad(err)
	}
	tkJSON, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, bad(err)
	}
	proc, err := hftok.LoadProcessor(tkJSON)
	if err != nil {
		return nil, bad(fmt.Errorf("tokenizer.json: %w", err))
	}
	tok, err := eng.newTokenizer(tkJSON)
	if err != nil {
		return nil, bad(fmt.Errorf("tokenizer.json on the %s backend: %w", eng.name(), err))
	}
	m := &backends.Model{ID: dir, Path: dir, OnnxFilename: filepath.Base(onnx), Pipelines: map[string]backends.Pipeline{},
		MaxPositionEmbeddings: maxPos}
	if err := eng.loadGraph(m, maxPos); err != nil {
		_ = tok.close()
		return nil, bad(fmt.Errorf("%s on the %s backend: %w", filepath.Base(onnx), eng.name(), err))
	}
	l = &loaded{dir: dir, model: m, tok: tok, proc: proc, cfg: cfg, pool: pl, maxPos: maxPos, version: version, backend: eng.name(),
		pipe: &backends.BasePipeline{Model: m, Runtime: eng.runtime(), PipelineName: "classify"}}
	for _, in := range m.InputsMeta {
		switch in.Name {
		case "input_ids", "attention_mask", "token_type_ids":
		default:
			_ = l.destroy()
			return nil, bad(fmt.Errorf("graph input %q is not one of input_ids, attention_mask, token_type_ids", in.Name))
		}
	}
	return l, nil
}
