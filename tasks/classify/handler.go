package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/dagworker/dagworker/tasks"
)

// Config configures the classify task type.
type Config struct {
	// ModelsDir is the registry folder: each subdirectory is a model named
	// by its directory name ("owner/name" also finds "owner_name", the
	// layout `dagworker models pull` writes). Default: none; the embedded
	// demo model and blob URLs still work.
	ModelsDir string
	// ModelRoots are folders, besides ModelsDir and CacheDir, in which a
	// task's model may be a local directory or a file:// URL. A local model
	// anywhere else is refused (a task could otherwise read any folder the
	// worker can), and a symbolic link may not lead out of its root.
	// Default: none.
	ModelRoots []string
	// CacheDir holds models copied from blob URLs and the extracted embedded
	// models. Default: <user cache dir>/dagworker/models, or the system
	// temporary directory when there is no user cache dir.
	CacheDir string
	// MaxLoaded is how many models stay loaded; the least recently used
	// idle one is unloaded beyond it. Default 4.
	MaxLoaded int
	// Backend runs the models: BackendAuto (default: ONNX Runtime when the
	// binary has it and its library loads, else pure Go), BackendGo or
	// BackendORT (an error when unavailable).
	Backend string
	// ORTLibrary is the path of libonnxruntime.so for the ORT backend.
	// Default: DefaultORTLibrary(): $DAGWORKER_ORT_LIBRARY, else the file
	// next to the executable.
	ORTLibrary string
	// Threads is ONNX Runtime's intra-op thread count per model run; set it
	// to the cores divided by the worker's concurrent classify tasks.
	// Default: runtime.NumCPU().
	Threads int
	// Logger receives load and progress messages. Default: discarded.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		c.CacheDir = filepath.Join(base, "dagworker", "models")
	}
	if c.MaxLoaded == 0 {
		c.MaxLoaded = 4
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Threads == 0 {
		c.Threads = runtime.NumCPU()
	}
	return c
}

// Handler runs classify tasks. It is safe for concurrent use; models are
// loaded once and shared. Call Close to unload them.
type Handler struct {
	cfg     Config
	eng     engine
	pool    *pool
	fetchMu sync.Mutex // serialises cache writes (blob copies, embedded extraction)
}

var _ tasks.Handler = (*Handler)(nil)

// New returns a classify handler.
func New(cfg Config) (*Handler, error) {
	cfg = cfg.withDefaults()
	if cfg.MaxLoaded < 1 {
		return nil, fmt.Errorf("classify: MaxLoaded must be positive, got %d", cfg.MaxLoaded)
	}
	if cfg.ModelsDir != "" {
		if st, err := os.Stat(cfg.ModelsDir); err == nil && !st.IsDir() {
			return nil, fmt.Errorf("classify: models dir %s is not a directory", cfg.ModelsDir)
		}
	}
	if cfg.Threads < 1 {
		return nil, fmt.Errorf("classify: Threads must be positive, got %d", cfg.Threads)
	}
	eng, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	cfg.Logger.Info("classify backend", "backend", eng.name(), "ort_compiled", ortCompiled)
	return &Handler{cfg: cfg, eng: eng, pool: newPool(eng, cfg.MaxLoaded)}, nil
}

// Backend returns the backend models run on: BackendGo or BackendORT.
func (h *Handler) Backend() string { return h.eng.name() }

// Close unloads every model.
func (h *Handler) Close() error { return h.pool.close() }

// Result is the classify task's return value (its XCom).
type Result struct {
	// Output is classified.jsonl in the data lake.
	Output tasks.Output `json:"output"`
	// Model is the model reference as given; ModelVersion the sha256 of its
	// model.onnx.
	Model        string `json:"model"`
	ModelVersion string `json:"model_version"`
	Pipeline     string `json:"pipeline"`
	// Labels counts the records per assigned label.
	Labels map[string]int `json:"labels"`
	// Skipped counts records without text (written without a label).
	Skipped int `json:"skipped"`
	// LowConfidence counts records whose two best labels tie (written
	// with "low_confidence": true and no label).
	LowConfidence int `json:"low_confidence"`
	// Failed counts records the tokenizer or the model failed on (written
	// with an "error" field); FirstError is the first such error.
	Failed     int    `json:"failed"`
	FirstError string `json:"first_error,omitempty"`
	// Backend is the backend that ran the model (go or ort).
	Backend string `json:"backend"`
	// Inputs are the URIs of the pages files read, in order; InputTasks
	// the upstream tasks that wrote them (a report reads their failures).
	Inputs     []string `json:"inputs"`
	InputTasks []string `json:"input_tasks,omitempty"`
	// InferenceSeconds is the time the model's forward passes took
	// (tokenization, reading and writing records and loading the model
	// excluded).
	InferenceSeconds float64 `json:"inference_seconds"`
}

// OutputName is the name of the object a classify task writes.
const OutputName = "classified.jsonl"

// textsJSONL is the texts argument as JSONL records {field: text}.
func textsJSONL(texts []string, field string) (io.Reader, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, s := range texts {
		if err := enc.Encode(map[string]string{field: s}); err != nil {
			return nil, fmt.Errorf("encode texts: %w", err)
		}
	}
	return &b, nil
}

// Run classifies the input JSONL and writes classified.jsonl.
func (h *Handler) Run(ctx context.Context, t *tasks.Task) (any, error) {
	a, err := parseArgs(t)
	if err != nil {
		return nil, err
	}
	var ins []tasks.Input
	if len(a.Texts) == 0 {
		if ins, err = tasks.ResolveInputs(ctx, t, a.Input, a.InputTask, tasks.KindPages); err != nil {
			return nil, err
		}
	}
	m, err := h.resolveModel(ctx, a.Model)
	if err != nil {
		if errors.Is(err, ErrModelNotFound) || errors.Is(err, ErrModelOutsideRoots) {
			return nil, fmt.Errorf("argument %q: %w: %w", "model", err, tasks.ErrInvalidArgs)
		}
		return nil, err
	}
	l, release, err := h.pool.acquire(m.Dir)
	if err != nil {
		if errors.Is(err, ErrBadModel) {
			return nil, fmt.Errorf("argument %q: %w: %w", "model", err, tasks.ErrInvalidArgs)
		}
		return nil, err
	}
	defer release()
	// Several inputs (a fan-in) are read one after the other into one output.
	var readers []io.Reader
	var inputs, inputTasks []string
	for _, in := range ins {
		r, err := t.Lake.Open(ctx, in.Key)
		if err != nil {
			if errors.Is(err, tasks.ErrNotFound) && a.Input != "" {
				// An explicit input that does not exist is the caller's mistake;
				// an upstream output that is missing may still appear (retry).
				return nil, fmt.Errorf("argument %q: %w: %w", "input", err, tasks.ErrInvalidArgs)
			}
			return nil, err
		}
		defer r.Close()
		readers = append(readers, r, strings.NewReader("\n")) // a last line without newline ends there
		inputs = append(inputs, t.Lake.URI(in.Key))
		if in.Task != "" {
			inputTasks = append(inputTasks, in.Task)
		}
	}
	if len(a.Texts) > 0 {
		r, err := textsJSONL(a.Texts, a.TextField)
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
	}
	c, err := newClassifier(l, h.eng, a, m.Name)
	if err != nil {
		if errors.Is(err, errNoOutput) {
			return nil, fmt.Errorf("argument %q: %w: %s as %s: %w: %w", "model", ErrBadModel, m.Name, a.Pipeline, err, tasks.ErrInvalidArgs)
		}
		return nil, err
	}
	res := Result{Model: m.Name, ModelVersion: l.version, Pipeline: a.Pipeline, Labels: map[string]int{}, Backend: l.backend, Inputs: inputs, InputTasks: inputTasks}
	out, err := t.Lake.WriteOutput(ctx, t.Info, OutputName, "application/x-ndjson", func(w io.Writer) (int, error) {
		return c.stream(ctx, io.MultiReader(readers...), w, &res)
	})
	if err != nil {
		return nil, err
	}
	out.Kind = tasks.KindClassified
	res.Output = out
	res.InferenceSeconds = c.inference.Seconds()
	if t.Logger != nil {
		t.Logger.InfoContext(ctx, "classified", "records", out.Records, "failed", res.Failed, "low_confidence", res.LowConfidence, "backend", l.backend, "model", m.Name, "pipeline", a.Pipeline, "uri", out.URI)
	}
	return res, nil
}
