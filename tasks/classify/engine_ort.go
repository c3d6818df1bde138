//go:build ORT

package classify

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/daulet/tokenizers"
	"github.com/knights-analytics/hugot/backends"
	ort "github.com/yalue/onnxruntime_go"

	"github.com/dagworker/dagworker/tasks/classify/internal/hftok"
)

// ortCompiled reports whether this binary has the ORT backend.
const ortCompiled = true

// ortEnv counts the engines using ONNX Runtime's environment, which the
// library allows once per process: the first engine initialises it, the
// last one to close destroys it. This is the package's only process-wide
// state, forced by the C library.
var ortEnv struct {
	mu   sync.Mutex
	refs int
}

// ortEngine is ONNX Runtime with Hugging Face's Rust tokenizer.
type ortEngine struct {
	opts *ort.SessionOptions
	once sync.Once
}

// DefaultORTLibrary is where the ORT library is looked for when
// Config.ORTLibrary is empty: $DAGWORKER_ORT_LIBRARY, else
// libonnxruntime.so next to the executable.
func DefaultORTLibrary() string {
	if p := os.Getenv("DAGWORKER_ORT_LIBRARY"); p != "" {
		return p
	}
	exe, err := os.Executable()
	if err != nil {
		return "libonnxruntime.so"
	}
	return filepath.Join(filepath.Dir(exe), "libonnxruntime.so")
}

func newORTEngine(lib string, threads int) (*ortEngine, error) {
	if lib == "" {
		lib = DefaultORTLibrary()
	}
	if _, err := os.Stat(lib); err != nil {
		return nil, fmt.Errorf("%w: library %s: %v (set DAGWORKER_ORT_LIBRARY or --ort-library)", ErrORTUnavailable, lib, err)
	}
	ortEnv.mu.Lock()
	defer ortEnv.mu.Unlock()
	if ortEnv.refs == 0 && !ort.IsInitialized() {
		ort.SetSharedLibraryPath(lib)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrORTUnavailable, lib, err)
		}
		_ = ort.DisableTelemetry() // best effort: telemetry is off by default on Linux
	}
	opts, err := ort.NewSessionOptions()
	if err == nil {
		err = opts.SetIntraOpNumThreads(max(threads, 1))
	}
	if err == nil {
		err = opts.SetInterOpNumThreads(1)
	}
	if err != nil {
		if opts != nil {
			_ = opts.Destroy()
		}
		if ortEnv.refs == 0 {
			_ = ort.DestroyEnvironment()
		}
		return nil, fmt.Errorf("%w: session options: %v", ErrORTUnavailable, err)
	}
	ortEnv.refs++
	return &ortEngine{opts: opts}, nil
}

func (*ortEngine) name() string    { return BackendORT }
func (*ortEngine) runtime() string { return "ORT" }

func (e *ortEngine) close() error {
	var err error
	e.once.Do(func() {
		err = e.opts.Destroy()
		ortEnv.mu.Lock()
		defer ortEnv.mu.Unlock()
		ortEnv.refs--
		if ortEnv.refs == 0 && ort.IsInitialized() {
			err = ort.DestroyEnvironment()
		}
	})
	return err
}

// loadGraph creates the session itself rather than through hugot, whose
// loader changes the process's working directory while it runs and holds
// the whole graph in Go memory too; ONNX Runtime reads the file itself.
func (e *ortEngine) loadGraph(model *backends.Model, _ int) error {
	path := filepath.Join(model.Path, model.OnnxFilename)
	in, out, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return err
	}
	s, err := ort.NewDynamicAdvancedSession(path, ioNames(in), ioNames(out), e.opts)
	if err != nil {
		return err
	}
	model.ORTModel = &backends.ORTModel{Session: s, SessionOptions: e.opts, Destroy: s.Destroy}
	model.InputsMeta = ioInfo(in)
	model.OutputsMeta = ioInfo(out)
	model.OnnxBytes = nil
	return nil
}

func ioNames(info []ort.InputOutputInfo) []string {
	out := make([]string, len(info))
	for i, v := range info {
		out[i] = v.Name
	}
	return out
}

func ioInfo(info []ort.InputOutputInfo) []backends.InputOutputInfo {
	out := make([]backends.InputOutputInfo, len(info))
	for i, v := range info {
		out[i] = backends.InputOutputInfo{Name: v.Name, Dimensions: backends.Shape(v.Dimensions)}
	}
	return out
}

func (*ortEngine) newTokenizer(tokenizerJSON []byte) (rawTokenizer, error) {
	raw, err := withoutTruncation(tokenizerJSON)
	if err != nil {
		return nil, err
	}
	tk, err := tokenizers.FromBytes(raw)
	if err != nil {
		return nil, err
	}
	r := rustTokenizer{tk: tk}
	if g, err := hftok.Load(tokenizerJSON); err == nil {
		r.nul = g // exact too, and it takes NUL characters
	}
	return r, nil
}

// withoutTruncation removes the truncation and padding blocks: truncation
// and the special tokens are applied by hftok.Processor on both backends.
func withoutTruncation(tokenizerJSON []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(tokenizerJSON, &doc); err != nil {
		return nil, err
	}
	doc["truncation"] = json.RawMessage("null")
	doc["padding"] = json.RawMessage("null")
	return json.Marshal(doc)
}

// rustTokenizer is Hugging Face's tokenizers library; safe for concurrent
// use (its encode takes the tokenizer by shared reference).
type rustTokenizer struct {
	tk *tokenizers.Tokenizer
	// nul tokenizes texts holding a NUL character, which cannot cross to
	// C as a NUL-terminated string: the pure-Go tokenizer when it takes
	// this tokenizer.json; else NULs are dropped.
	nul *hftok.Tokenizer
}

func (r rustTokenizer) tokenize(text string) ([]uint32, error) {
	if strings.IndexByte(text, 0) >= 0 {
		if r.nul != nil {
			return r.nul.Tokenize(text)
		}
		text = strings.ReplaceAll(text, "\x00", "")
	}
	return r.tk.EncodeWithOptions(text, false).IDs, nil
}

func (r rustTokenizer) close() error { return r.tk.Close() }
