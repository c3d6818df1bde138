package classify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/knights-analytics/hugot/backends"
)

// Backends (Config.Backend).
const (
	// BackendAuto uses ONNX Runtime when the binary is built with it (the
	// ORT build tag) and its library loads, else the pure-Go backend.
	BackendAuto = "auto"
	// BackendGo is hugot's pure-Go GoMLX backend with the project's own
	// Hugging Face tokenizer (tasks/classify/internal/hftok).
	BackendGo = "go"
	// BackendORT is ONNX Runtime with Hugging Face's Rust tokenizer.
	BackendORT = "ort"
)

// ErrORTUnavailable is returned when the ORT backend is asked for and the
// binary was built without it or its library does not load.
var ErrORTUnavailable = errors.New("ONNX Runtime backend unavailable")

// engine runs ONNX graphs and makes the tokenizer that goes with them: one
// per Handler, shared by every model it loads.
type engine interface {
	// name is BackendGo or BackendORT.
	name() string
	// loadGraph creates the runtime session of model from its .onnx file
	// (model.Path and model.OnnxFilename).
	loadGraph(model *backends.Model, maxPos int) error
	// runtime is hugot's runtime name for the backends functions.
	runtime() string
	// newTokenizer makes the raw tokenizer of a tokenizer.json.
	newTokenizer(tokenizerJSON []byte) (rawTokenizer, error)
	close() error
}

// rawTokenizer turns a text into vocabulary ids without special tokens and
// without truncation; the post-processing is hftok.Processor's, the same on
// both backends.
type rawTokenizer interface {
	tokenize(text string) ([]uint32, error)
	close() error
}

// newEngine returns the engine for the configured backend.
func newEngine(cfg Config) (engine, error) {
	switch strings.ToLower(cfg.Backend) {
	case BackendGo:
		return newGoEngine(), nil
	case BackendORT:
		e, err := newORTEngine(cfg.ORTLibrary, cfg.Threads)
		if err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
		return e, nil
	case BackendAuto, "":
		e, err := newORTEngine(cfg.ORTLibrary, cfg.Threads)
		if err == nil {
			return e, nil
		}
		if ortCompiled {
			cfg.Logger.Warn("classify: ONNX Runtime is compiled in but does not load; using the pure-Go backend", "err", err)
		}
		return newGoEngine(), nil
	default:
		return nil, fmt.Errorf("classify: backend %q is not one of %s, %s, %s", cfg.Backend, BackendAuto, BackendGo, BackendORT)
	}
}
